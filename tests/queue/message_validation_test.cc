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

TEST(ValidateMessageBody, RejectsMalformedUtf8AfterAsciiRun) {
  EXPECT_FALSE(ValidateMessageBody(std::string(16, 'a') + "\xc3").ok());
  EXPECT_FALSE(ValidateMessageBody(std::string(16, 'a') + "\xed\xa0\x80").ok());  // surrogate
  EXPECT_FALSE(ValidateMessageBody(std::string(16, 'a') + "\xff" + std::string(8, 'b')).ok());
}

}  // namespace
}  // namespace roadsense::queue
