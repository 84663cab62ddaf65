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

// Every implementation this CPU can run; a test not run for one says so.
class Md5HexManyTest : public ::testing::TestWithParam<Md5LaneKind> {
 protected:
  void SetUp() override {
    if (!Md5LanesSupported(GetParam())) GTEST_SKIP() << "not supported by this CPU";
  }
  std::vector<std::string> Hash(const std::vector<std::string_view>& inputs) {
    std::vector<std::string> out;
    for (const FixedText<32>& text : Md5HexTextMany(inputs, GetParam())) out.push_back(text.str());
    return out;
  }
};

INSTANTIATE_TEST_SUITE_P(Kinds, Md5HexManyTest,
                         ::testing::Values(Md5LaneKind::kAvx512, Md5LaneKind::kAvx2,
                                           Md5LaneKind::kOneByOne),
                         [](const auto& info) {
                           switch (info.param) {
                             case Md5LaneKind::kAvx512:
                               return std::string("Avx512");
                             case Md5LaneKind::kAvx2:
                               return std::string("Avx2");
                             case Md5LaneKind::kOneByOne:
                               return std::string("OneByOne");
                           }
                           return std::string("Unknown");
                         });

TEST(Md5HexTextMany, DefaultIsTheBestSupportedKind) {
  EXPECT_TRUE(Md5LanesSupported(BestMd5Lanes()));
  const std::vector<std::string_view> inputs = {"a", "abc"};
  EXPECT_EQ(Md5HexTextMany(inputs), Md5HexTextMany(inputs, BestMd5Lanes()));
}

TEST_P(Md5HexManyTest, KnownVectors) {
  const std::vector<std::string_view> inputs = {"", "a", "abc", "message digest",
                                                "abcdefghijklmnopqrstuvwxyz"};
  EXPECT_EQ(Hash(inputs),
            (std::vector<std::string>{
                "d41d8cd98f00b204e9800998ecf8427e", "0cc175b9c0f1b6a831c399e269772661",
                "900150983cd24fb0d6963f7d28e17f72", "f96b697d7cb7938d525a2f31aaf161d0",
                "c3fcd3d76192e4007dfb496cca67e13b"}));
}

TEST_P(Md5HexManyTest, NoInputsNoDigests) { EXPECT_TRUE(Hash({}).empty()); }

TEST(Md5HexTextMany, DefaultKindEqualsMd5HexOfEachInput) {
  for (const std::vector<std::string_view>& inputs :
       {std::vector<std::string_view>{"abc"},
        std::vector<std::string_view>{"", "a", "abc", "message digest", "x", "y", "z", "w", "v"}}) {
    const auto texts = Md5HexTextMany(inputs);
    const auto strings = OneByOne(inputs);
    ASSERT_EQ(texts.size(), inputs.size());
    for (size_t i = 0; i < inputs.size(); ++i) EXPECT_EQ(texts[i].view(), strings[i]) << i;
  }
}

TEST_P(Md5HexManyTest, EqualsMd5HexAtEveryLengthAroundTheBlockAndPaddingBoundaries) {
  std::string data;
  for (int i = 0; i < 300; ++i) data += static_cast<char>((i * 131 + 7) & 0xff);
  // Lengths 0..200 cover 55/56/63/64/119/120/127/128: padding in the same block, spilling into
  // a block of its own, data ending exactly on a block boundary.
  std::vector<std::string_view> inputs;
  for (size_t n = 0; n <= 200; ++n) inputs.push_back(std::string_view(data).substr(n % 7, n));
  EXPECT_EQ(Hash(inputs), OneByOne(inputs));
}

TEST_P(Md5HexManyTest, EqualsMd5HexForBatchesOfEverySizeWithMixedLengths) {
  std::mt19937 rng(11);
  std::vector<std::string> bodies;
  for (int i = 0; i < 40; ++i) {
    std::string body(rng() % 3000, '\0');
    for (char& c : body) c = static_cast<char>(rng());
    bodies.push_back(std::move(body));
  }
  for (size_t count = 1; count <= bodies.size(); ++count) {
    std::vector<std::string_view> inputs(bodies.begin(), bodies.begin() + count);
    ASSERT_EQ(Hash(inputs), OneByOne(inputs)) << count << " inputs";
  }
}

TEST_P(Md5HexManyTest, TextByValueHoldsTheSameDigits) {
  std::vector<std::string> bodies;
  for (size_t n = 0; n < 20; ++n) bodies.push_back(std::string(n * 37, static_cast<char>('a' + n)));
  const std::vector<std::string_view> inputs(bodies.begin(), bodies.end());
  const std::vector<FixedText<32>> digits = Md5HexTextMany(inputs, GetParam());
  const std::vector<std::string> expected = OneByOne(inputs);
  ASSERT_EQ(digits.size(), expected.size());
  for (size_t i = 0; i < digits.size(); ++i) EXPECT_EQ(digits[i].view(), expected[i]) << i;
}

}  // namespace
}  // namespace roadsense
