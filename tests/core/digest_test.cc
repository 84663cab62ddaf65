#include "core/digest.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace roadsense {
namespace {

TEST(Digest, Md5OfEmptyString) { EXPECT_EQ(Md5Hex(""), "d41d8cd98f00b204e9800998ecf8427e"); }

TEST(Digest, Md5OfRfc1321Vectors) {
  EXPECT_EQ(Md5Hex("abc"), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(Md5Hex("message digest"), "f96b697d7cb7938d525a2f31aaf161d0");
  EXPECT_EQ(Md5HexText("abc").view(), "900150983cd24fb0d6963f7d28e17f72");
}

TEST(Digest, HexEncodesIntoABuffer) {
  char out[6];
  HexEncodeTo(std::string_view("\x00\xab\x7f", 3), out);
  EXPECT_EQ(std::string_view(out, 6), "00ab7f");
  EXPECT_EQ(HexEncode(std::string_view("\x00\xab\x7f", 3)), "00ab7f");
}

// Each thread reuses one hashing context: back-to-back digests and digests of other algorithms
// in between must not leak state into one another.
TEST(Digest, ReusedContextsGiveIndependentDigestsOnEveryThread) {
  auto check = [] {
    for (int i = 0; i < 50; ++i) {
      EXPECT_EQ(Md5Hex(""), "d41d8cd98f00b204e9800998ecf8427e");
      EXPECT_EQ(Sha256Hex("abc"),
                "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
      EXPECT_EQ(Md5Hex("abc"), "900150983cd24fb0d6963f7d28e17f72");
      EXPECT_EQ(Sha256Raw("abc").size(), 32u);
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) threads.emplace_back(check);
  for (auto& t : threads) t.join();
}

TEST(Digest, Sha256OfAbc) {
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Digest, HmacSha256Rfc4231Case2) {
  EXPECT_EQ(HexEncode(HmacSha256Raw("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Digest, HmacSha256Rfc4231Case6KeyLongerThanBlockIsHashedFirst) {
  EXPECT_EQ(HexEncode(HmacSha256Raw(std::string(131, '\xaa'),
                                    "Test Using Larger Than Block-Size Key - Hash Key First")),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST(Digest, HmacSha256Rfc4231Case1KeyOfExactlyTwentyBytes) {
  EXPECT_EQ(HexEncode(HmacSha256Raw(std::string(20, '\x0b'), "Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
}

TEST(Digest, HmacSha256KeyOfExactlyOneBlock) {
  // Python: hmac.new(b"k" * 64, b"data", hashlib.sha256).hexdigest()
  EXPECT_EQ(HexEncode(HmacSha256Raw(std::string(64, 'k'), "data")),
            "93244b031118b8060c6619e5900fcf916faefb2d8d020fecb22ae0f62275db08");
}

TEST(Digest, TextFormsByValueHoldTheSameDigits) {
  EXPECT_EQ(Sha256HexText("abc").view(), Sha256Hex("abc"));
  EXPECT_EQ(HmacSha256HexText("Jefe", "what do ya want for nothing?").view(),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  const std::string long_key(131, '\xaa');
  EXPECT_EQ(HmacSha256HexText(long_key, "data").view(), HexEncode(HmacSha256Raw(long_key, "data")));
}

TEST(Digest, Md5AndSha256OfLongInput) {
  const std::string million(1000000, 'a');
  EXPECT_EQ(Md5Hex(million), "7707d6ae4e027c70eea2a935c2296f21");
  EXPECT_EQ(Sha256Hex(million), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  EXPECT_EQ(HexEncode(Sha256Raw(million)), Sha256Hex(million));
}

TEST(Digest, Crc32cKnownVectors) {
  // RFC 3720 (iSCSI) B.4 test vectors.
  std::string zeros(32, '\0');
  EXPECT_EQ(Crc32c(zeros.data(), zeros.size()), 0x8a9136aau);
  std::string ones(32, '\xff');
  EXPECT_EQ(Crc32c(ones.data(), ones.size()), 0x62a8ab43u);
  EXPECT_EQ(Crc32c("123456789", 9), 0xe3069283u);
}

TEST(Digest, Crc32cExtendEqualsWhole) {
  const std::string s = "hello, write-ahead log";
  uint32_t part = Crc32cExtend(Crc32c(s.data(), 5), s.data() + 5, s.size() - 5);
  EXPECT_EQ(part, Crc32c(s.data(), s.size()));
}

TEST(Digest, Crc32cWordAndBytePathsAgreeAtEveryLengthAndOffset) {
  std::string data;
  for (int i = 0; i < 300; ++i) data += static_cast<char>((i * 131 + 7) & 0xff);
  for (size_t offset = 0; offset < 8; ++offset) {
    for (size_t n = 0; n + offset <= 200; n += 3) {
      uint32_t bytewise = 0;
      for (size_t i = 0; i < n; ++i) bytewise = Crc32cExtend(bytewise, data.data() + offset + i, 1);
      ASSERT_EQ(Crc32c(data.data() + offset, n), bytewise) << "offset " << offset << " n " << n;
    }
  }
}

}  // namespace
}  // namespace roadsense
