#include "queue/receipt_handle.h"

#include <gtest/gtest.h>

#include <array>
#include <string>

#include "core/base64.h"

namespace roadsense::queue {
namespace {

MessageId IdStartingWith(unsigned char first_byte) {
  std::array<char, 16> bytes{};
  bytes.fill('\x5a');
  bytes[0] = static_cast<char>(first_byte);
  return MessageId::FromBytes(bytes.data());
}

TEST(ReceiptHandle, RoundTrips) {
  const ReceiptHandle handle{IdStartingWith(0x12), 0x0102030405060708ull};
  const auto decoded = ReceiptHandle::Decode(handle.Encode());
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(decoded->message_id, handle.message_id);
  EXPECT_EQ(decoded->receive_token, handle.receive_token);
}

TEST(ReceiptHandle, EncodingIsStable) {
  // Handles already issued must keep decoding, and the text form equals the string form.
  const ReceiptHandle handle{IdStartingWith(0x12), 0x0102030405060708ull};
  EXPECT_EQ(handle.Encode(), "RElpaWlpaWlpaWlpaWlpaWgECAwQFBgcIPbdjjQ==");
  EXPECT_EQ(handle.EncodeText().view(), handle.Encode());
  EXPECT_EQ(handle.Encode().size(), ReceiptHandle::kTextSize);
}

TEST(ReceiptHandle, NeverStartsWithADashThatCommandLinesTakeForAnOption) {
  // 0xF8..0xFB put base64url's '-' (62) first without the prefix; 0xFC.. put '_' (63) first.
  for (const unsigned char first : {0xF8, 0xFA, 0xFB, 0xFC, 0xFF, 0x00}) {
    const std::string text = ReceiptHandle{IdStartingWith(first), 7}.Encode();
    EXPECT_NE(text.front(), '-') << text;
    EXPECT_EQ(text.front(), 'R') << text;
    EXPECT_EQ(text.find_first_of("+/"), std::string::npos) << text;  // URL-safe
  }
}

TEST(ReceiptHandle, HandlesIssuedWithoutThePrefixStillDecode) {
  const ReceiptHandle handle{IdStartingWith(0xF9), 42};
  const std::string old_style = handle.Encode().substr(1);
  ASSERT_EQ(old_style.front(), '-');
  const auto decoded = ReceiptHandle::Decode(old_style);
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(decoded->message_id, handle.message_id);
  EXPECT_EQ(decoded->receive_token, 42u);
}

TEST(ReceiptHandle, ForgedOrDamagedHandlesAreRejected) {
  std::string text = ReceiptHandle{IdStartingWith(0x33), 9}.Encode();
  EXPECT_FALSE(ReceiptHandle::Decode("R" + text).has_value());  // prefix twice
  EXPECT_FALSE(ReceiptHandle::Decode("").has_value());
  EXPECT_FALSE(ReceiptHandle::Decode("R").has_value());
  EXPECT_FALSE(ReceiptHandle::Decode(text + "AAAA").has_value());       // too long
  EXPECT_FALSE(ReceiptHandle::Decode(text.substr(0, 37)).has_value());  // too short
  EXPECT_FALSE(ReceiptHandle::Decode(std::string(4000, 'A')).has_value());
  text[5] = text[5] == 'A' ? 'B' : 'A';  // CRC no longer matches
  EXPECT_FALSE(ReceiptHandle::Decode(text).has_value());
}

}  // namespace
}  // namespace roadsense::queue
