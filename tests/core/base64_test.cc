#include "core/base64.h"

#include <gtest/gtest.h>

namespace roadsense {
namespace {

TEST(Base64, EncodesRfc4648Vectors) {
  EXPECT_EQ(Base64Encode(""), "");
  EXPECT_EQ(Base64Encode("f"), "Zg==");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(Base64Encode("foo"), "Zm9v");
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
}

TEST(Base64, RoundTripsAllByteValues) {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes += static_cast<char>(i);
  for (size_t n = 0; n <= bytes.size(); n += 37) {
    auto decoded = Base64Decode(Base64Encode(bytes.substr(0, n)));
    ASSERT_TRUE(decoded.has_value());
    EXPECT_EQ(*decoded, bytes.substr(0, n));
  }
}

TEST(Base64, RejectsMalformedInput) {
  EXPECT_FALSE(Base64Decode("Zg=").has_value());       // bad length
  EXPECT_FALSE(Base64Decode("Z!==").has_value());      // bad character
  EXPECT_FALSE(Base64Decode("Zg==Zg==").has_value());  // padding in the middle
  EXPECT_FALSE(Base64Decode("Zm=v").has_value());      // '=' inside the last quad
  EXPECT_FALSE(Base64Decode("Z===").has_value());      // three padding characters
  EXPECT_FALSE(Base64Decode("====").has_value());
  EXPECT_FALSE(Base64Decode("Zm9vZ!8=").has_value());  // bad character before a padded quad
}

TEST(Base64, DecodesRfc4648VectorsAtEveryPadding) {
  EXPECT_EQ(Base64Decode(""), std::string());
  EXPECT_EQ(Base64Decode("Zg=="), "f");
  EXPECT_EQ(Base64Decode("Zm8="), "fo");
  EXPECT_EQ(Base64Decode("Zm9v"), "foo");
  EXPECT_EQ(Base64Decode("Zm9vYg=="), "foob");
  EXPECT_EQ(Base64Decode("Zm9vYmE="), "fooba");
  EXPECT_EQ(Base64Decode("Zm9vYmFy"), "foobar");
}

TEST(Base64, EncodesIntoABufferOfItsEncodedSize) {
  char out[8];
  ASSERT_EQ(Base64EncodedSize(4), 8u);
  Base64EncodeTo("foob", out);
  EXPECT_EQ(std::string_view(out, 8), "Zm9vYg==");
}

TEST(Base64, DecodesIntoABufferOnlyWhatFits) {
  char out[4];
  EXPECT_EQ(Base64DecodeTo("Zm9vYg==", out, sizeof(out)), 4u);
  EXPECT_EQ(std::string_view(out, 4), "foob");
  EXPECT_FALSE(Base64DecodeTo("Zm9vYmE=", out, sizeof(out)).has_value());  // 5 bytes
  EXPECT_FALSE(Base64DecodeTo("Zm9=Yg==", out, sizeof(out)).has_value());  // malformed
  EXPECT_EQ(Base64DecodeTo("", out, 0), 0u);
}

}  // namespace
}  // namespace roadsense
