#include "core/gzip_codec.h"

#include <gtest/gtest.h>

#include <string>

namespace roadsense {
namespace {

constexpr size_t kLimit = 512 * 1024;

TEST(GzipCodecTest, BodyExactlyAtLimitIsAccepted) {
  auto out = GzipDecompress(GzipCompress(std::string(1000, 'x')), 1000);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->size(), 1000u);
}

TEST(GzipCodecTest, OneByteOverLimitIsResourceExhausted) {
  auto out = GzipDecompress(GzipCompress(std::string(1001, 'x')), 1000);
  EXPECT_EQ(out.status().code(), StatusCode::kResourceExhausted);
}

TEST(GzipCodecTest, TruncatedStreamIsInvalidArgument) {
  std::string z = GzipCompress(std::string(5000, 'y'));
  z.resize(z.size() / 2);
  EXPECT_EQ(GzipDecompress(z, kLimit).status().code(), StatusCode::kInvalidArgument);
}

TEST(GzipCodecTest, NonGzipBytesAreInvalidArgument) {
  EXPECT_EQ(GzipDecompress("not gzip at all", kLimit).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(GzipCodecTest, ConcatenatedMembersAreJoined) {
  auto out = GzipDecompress(GzipCompress("abc") + GzipCompress("def"), kLimit);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(*out, "abcdef");
}

}  // namespace
}  // namespace roadsense
