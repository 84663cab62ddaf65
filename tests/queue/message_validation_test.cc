#include "queue/message_validation.h"

#include <gtest/gtest.h>

namespace roadsense::queue {
namespace {

TEST(ValidateMessageBody, AcceptsAsciiTabsNewlinesAndUtf8) {
  EXPECT_TRUE(ValidateMessageBody("plain ascii text that is longer than eight bytes ~\x7f").ok());
  EXPECT_TRUE(ValidateMessageBody("line one\nline two\ttabbed\r\n").ok());
  EXPECT_TRUE(ValidateMessageBody("caf\xc3\xa9 stra\xc3\x9f"
                                  "e \xf0\x9f\x9a\x97 ok")
                  .ok());
}

TEST(ValidateMessageBody, RejectsControlCharacterAtEveryPosition) {
  const std::string clean(24, 'a');
  for (size_t i = 0; i < clean.size(); ++i) {
    std::string body = clean;
    body[i] = '\x01';
    EXPECT_FALSE(ValidateMessageBody(body).ok()) << "position " << i;
  }
}

// Long bodies are checked many bytes at a time: every position of a 100-byte body is checked,
// the bounds of printable ASCII (0x20, 0x7f) pass, and a stray byte is named by its offset.
TEST(ValidateMessageBody, ChecksEveryPositionOfALongBody) {
  const std::string clean(100, 'a');
  EXPECT_TRUE(ValidateMessageBody(clean).ok());
  for (size_t i = 0; i < clean.size(); ++i) {
    for (const char bound : {'\x20', '\x7f'}) {
      std::string body = clean;
      body[i] = bound;
      EXPECT_TRUE(ValidateMessageBody(body).ok()) << "position " << i;
    }
    for (const char bad : {'\x00', '\x1f', '\x80', '\xff'}) {
      std::string body = clean;
      body[i] = bad;
      EXPECT_FALSE(ValidateMessageBody(body).ok()) << "position " << i;
    }
    for (const char stray : {'\x80', '\xff'}) {  // not UTF-8: named at its own offset
      std::string body = clean;
      body[i] = stray;
      EXPECT_EQ(ValidateMessageBody(body).message(),
                "InvalidMessageContents: Invalid binary character in message body at byte " +
                    std::to_string(i) + ".");
    }
    if (i + 1 < clean.size()) {
      std::string body = clean;
      body.replace(i, 2, "\xc3\xa9");  // é, two bytes
      EXPECT_TRUE(ValidateMessageBody(body).ok()) << "position " << i;
    }
  }
}

TEST(ValidateMessageBody, RejectsMalformedUtf8AfterAsciiRun) {
  EXPECT_FALSE(ValidateMessageBody(std::string(16, 'a') + "\xc3").ok());
  EXPECT_FALSE(ValidateMessageBody(std::string(16, 'a') + "\xed\xa0\x80").ok());  // surrogate
  EXPECT_FALSE(ValidateMessageBody(std::string(16, 'a') + "\xff" + std::string(8, 'b')).ok());
}

}  // namespace
}  // namespace roadsense::queue
