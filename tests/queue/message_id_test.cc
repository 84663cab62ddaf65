#include "queue/message_id.h"

#include <gtest/gtest.h>

namespace roadsense::queue {
namespace {

TEST(MessageId, PrintsTheCanonicalUuidForm) {
  const MessageId id{0x0123456789abcdefull, 0xfedcba9876543210ull};
  EXPECT_EQ(id.ToString(), "01234567-89ab-cdef-fedc-ba9876543210");
  EXPECT_EQ(id.ToText().view(), id.ToString());
  EXPECT_EQ(MessageId::Parse(id.ToText().view()), id);
}

TEST(MessageId, TextAndBytesRoundTripForEveryByteValue) {
  EXPECT_EQ(MessageId({0, ~0ull}).ToString(), "00000000-0000-0000-ffff-ffffffffffff");
  for (int b = 0; b < 256; ++b) {
    const uint64_t v = 0x0101010101010101ull * static_cast<uint64_t>(b);
    const MessageId id{v, ~v};
    EXPECT_EQ(MessageId::Parse(id.ToText().view()), id) << b;
    char bytes[16];
    id.ToBytes(bytes);
    EXPECT_EQ(MessageId::FromBytes(bytes), id) << b;
  }
  for (int i = 0; i < 100; ++i) {
    const MessageId id = MessageId::Random();
    EXPECT_EQ(MessageId::Parse(id.ToText().view()), id);
  }
}

TEST(MessageId, BytesAreBigEndian) {
  const MessageId id{0x0102030405060708ull, 0x090a0b0c0d0e0f10ull};
  char bytes[16];
  id.ToBytes(bytes);
  for (int i = 0; i < 16; ++i) EXPECT_EQ(bytes[i], static_cast<char>(i + 1));
  std::string appended;
  id.AppendBytes(&appended);
  EXPECT_EQ(appended, std::string(bytes, sizeof(bytes)));
  EXPECT_EQ(MessageId::FromBytes(bytes), id);
}

}  // namespace
}  // namespace roadsense::queue
