#include "worker/poison_backoff.h"

#include <gtest/gtest.h>

namespace roadsense::worker {
namespace {

sqs::ReceivedMessage WithReceiveCount(const std::string& count) {
  sqs::ReceivedMessage m;
  m.attributes["ApproximateReceiveCount"] = count;
  return m;
}

TEST(PoisonBackoffTest, DoublesWithEachReceive) {
  EXPECT_EQ(PoisonBackoffSeconds(WithReceiveCount("1"), 30), 30);
  EXPECT_EQ(PoisonBackoffSeconds(WithReceiveCount("2"), 30), 60);
  EXPECT_EQ(PoisonBackoffSeconds(WithReceiveCount("4"), 30), 240);
}

TEST(PoisonBackoffTest, IsCappedAtTwelveHours) {
  EXPECT_EQ(PoisonBackoffSeconds(WithReceiveCount("20"), 30), 43'200);
  EXPECT_EQ(PoisonBackoffSeconds(WithReceiveCount("1000000000"), 1), 43'200);
}

TEST(PoisonBackoffTest, MissingOrMalformedCountMeansFirstReceive) {
  EXPECT_EQ(PoisonBackoffSeconds(sqs::ReceivedMessage{}, 30), 30);
  EXPECT_EQ(PoisonBackoffSeconds(WithReceiveCount("x"), 30), 30);
  EXPECT_EQ(PoisonBackoffSeconds(WithReceiveCount("0"), 30), 30);
}

}  // namespace
}  // namespace roadsense::worker
