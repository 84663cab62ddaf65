#include "core/md5_lanes.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "core/digest.h"

namespace roadsense {
namespace {

std::vector<std::string> OneByOne(const std::vector<std::string_view>& inputs) {
  std::vector<std::string> out;
  for (std::string_view input : inputs) out.push_back(Md5Hex(input));
  return out;
}

TEST(Md5HexMany, KnownVectors) {
  const std::vector<std::string_view> inputs = {"", "a", "abc", "message digest",
                                                "abcdefghijklmnopqrstuvwxyz"};
  EXPECT_EQ(Md5HexMany(inputs),
            (std::vector<std::string>{
                "d41d8cd98f00b204e9800998ecf8427e", "0cc175b9c0f1b6a831c399e269772661",
                "900150983cd24fb0d6963f7d28e17f72", "f96b697d7cb7938d525a2f31aaf161d0",
                "c3fcd3d76192e4007dfb496cca67e13b"}));
}

TEST(Md5HexMany, NoInputsNoDigests) { EXPECT_TRUE(Md5HexMany({}).empty()); }

TEST(Md5HexTextMany, EqualsMd5HexManyByValue) {
  for (const std::vector<std::string_view>& inputs :
       {std::vector<std::string_view>{"abc"},
        std::vector<std::string_view>{"", "a", "abc", "message digest", "x", "y", "z", "w", "v"}}) {
    const auto texts = Md5HexTextMany(inputs);
    const auto strings = Md5HexMany(inputs);
    ASSERT_EQ(texts.size(), inputs.size());
    for (size_t i = 0; i < inputs.size(); ++i) EXPECT_EQ(texts[i].view(), strings[i]) << i;
  }
}

TEST(Md5HexMany, EqualsMd5HexAtEveryLengthAroundTheBlockAndPaddingBoundaries) {
  std::string data;
  for (int i = 0; i < 300; ++i) data += static_cast<char>((i * 131 + 7) & 0xff);
  // Lengths 0..200 cover 55/56/63/64/119/120/127/128: padding in the same block, spilling into
  // a block of its own, data ending exactly on a block boundary.
  std::vector<std::string_view> inputs;
  for (size_t n = 0; n <= 200; ++n) inputs.push_back(std::string_view(data).substr(n % 7, n));
  EXPECT_EQ(Md5HexMany(inputs), OneByOne(inputs));
}

TEST(Md5HexMany, EqualsMd5HexForBatchesOfEverySizeWithMixedLengths) {
  std::mt19937 rng(11);
  std::vector<std::string> bodies;
  for (int i = 0; i < 40; ++i) {
    std::string body(rng() % 3000, '\0');
    for (char& c : body) c = static_cast<char>(rng());
    bodies.push_back(std::move(body));
  }
  for (size_t count = 1; count <= bodies.size(); ++count) {
    std::vector<std::string_view> inputs(bodies.begin(), bodies.begin() + count);
    ASSERT_EQ(Md5HexMany(inputs), OneByOne(inputs)) << count << " inputs";
  }
}

}  // namespace
}  // namespace roadsense
