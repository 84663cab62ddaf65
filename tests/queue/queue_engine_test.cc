#include "queue/queue_engine.h"

#include <gtest/gtest.h>

#include "core/digest.h"
#include "queue/sqs_error.h"
#include "tests/queue/queue_engine_fixture.h"

namespace roadsense::queue {
namespace {

using QueueEngineTest = testing::QueueEngineFixture;

TEST_F(QueueEngineTest, SentMessageIsReceivedOnce) {
  ASSERT_TRUE(Create("q").ok());
  ASSERT_TRUE(Send({"a"}).ok());
  auto got = Receive(10);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].body(), "a");
  EXPECT_EQ(got[0].receive_count, 1);
  EXPECT_TRUE(Receive(10).empty());  // in flight
  EXPECT_EQ(Attribute("ApproximateNumberOfMessagesNotVisible"), "1");
}

// The send's MD5 is computed once and carried into the stored message; replay computes it from
// the logged body. Both must be the body's MD5.
TEST_F(QueueEngineTest, StoredBodyMd5IsTheBodysLiveAndAfterReplay) {
  ASSERT_TRUE(Create("q").ok());
  auto sent = Send({"first body", "second body"});
  ASSERT_TRUE(sent.ok());
  EXPECT_EQ((*sent)[0].md5_of_body.view(), Md5Hex("first body"));
  EXPECT_EQ((*sent)[1].md5_of_body.view(), Md5Hex("second body"));
  auto live = Receive(10, /*visibility_timeout=*/0);
  ASSERT_EQ(live.size(), 2u);
  for (const auto& r : live) EXPECT_EQ(r.message->md5_of_body.view(), Md5Hex(r.body()));
  Reopen();
  auto replayed = Receive(10);
  ASSERT_EQ(replayed.size(), 2u);
  for (const auto& r : replayed) EXPECT_EQ(r.message->md5_of_body.view(), Md5Hex(r.body()));
}

TEST_F(QueueEngineTest, CreateQueueIsIdempotentForSameAttributes) {
  ASSERT_TRUE(Create("q", {{"VisibilityTimeout", "5"}}).ok());
  EXPECT_TRUE(Create("q", {{"VisibilityTimeout", "5"}}).ok());
  EXPECT_TRUE(Create("q").ok());
  std::string message;
  EXPECT_EQ(SqsErrorCodeOf(Create("q", {{"VisibilityTimeout", "6"}}), &message),
            SqsErrorCode::kQueueNameExists);
}

TEST_F(QueueEngineTest, InvalidQueueAttributeIsRejected) {
  std::string message;
  EXPECT_EQ(SqsErrorCodeOf(Create("q", {{"VisibilityTimeout", "43201"}}), &message),
            SqsErrorCode::kInvalidAttributeValue);
  EXPECT_EQ(SqsErrorCodeOf(Create("q", {{"Bogus", "1"}}), &message),
            SqsErrorCode::kInvalidAttributeName);
  EXPECT_TRUE(Create("q", {{"Policy", "{}"}}).ok());  // valid SQS attribute, kept verbatim
}

TEST_F(QueueEngineTest, ZeroVisibilityTimeoutRedeliversAndCountsReceives) {
  ASSERT_TRUE(Create("q").ok());
  ASSERT_TRUE(Send({"a"}).ok());
  ASSERT_EQ(Receive(1, 0).size(), 1u);
  auto again = Receive(1, 0);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].receive_count, 2);
}

TEST_F(QueueEngineTest, InFlightMessageComesBackAfterVisibilityTimeout) {
  ASSERT_TRUE(Create("q").ok());
  ASSERT_TRUE(Send({"a"}).ok());
  ASSERT_EQ(Receive(1, /*visibility_timeout=*/1).size(), 1u);
  // The long poll is parked until the timer makes the message visible again.
  auto again = Receive(1, 30, /*wait=*/5);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].receive_count, 2);
}

TEST_F(QueueEngineTest, DeletedMessageIsNotRedelivered) {
  ASSERT_TRUE(Create("q").ok());
  ASSERT_TRUE(Send({"a", "b"}).ok());
  auto got = Receive(10, 0);
  ASSERT_EQ(got.size(), 2u);
  ASSERT_TRUE(Delete(got[0]).ok());
  EXPECT_TRUE(Delete(got[0]).ok());  // deleting twice succeeds, as in SQS
  auto again = Receive(10, 0);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].body(), got[1].body());
}

TEST_F(QueueEngineTest, LongPollWakesOnSend) {
  ASSERT_TRUE(Create("q").ok());
  std::promise<Result<std::vector<ReceivedMessage>>> p;
  engine_->ReceiveMessages("q", {1, -1, 20, ""}, [&](auto r) { p.set_value(std::move(r)); });
  ASSERT_TRUE(Send({"wake"}).ok());
  auto got = p.get_future().get();  // a receiver woken only by its deadline would get nothing
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->size(), 1u);
  EXPECT_EQ((*got)[0].body(), "wake");
}

TEST_F(QueueEngineTest, LongPollTimesOutEmpty) {
  ASSERT_TRUE(Create("q").ok());
  EXPECT_TRUE(Receive(1, -1, /*wait=*/1).empty());
}

TEST_F(QueueEngineTest, DelayedMessageIsCountedAsDelayed) {
  ASSERT_TRUE(Create("q").ok());
  ASSERT_TRUE(Send({"later"}, /*delay_seconds=*/900).ok());
  EXPECT_TRUE(Receive(10).empty());
  EXPECT_EQ(Attribute("ApproximateNumberOfMessagesDelayed"), "1");
  EXPECT_EQ(Attribute("ApproximateNumberOfMessages"), "0");
}

TEST_F(QueueEngineTest, SendToMissingQueueFails) {
  auto sent = Send({"a"});
  std::string message;
  EXPECT_EQ(SqsErrorCodeOf(sent.status(), &message), SqsErrorCode::kQueueDoesNotExist);
}

TEST_F(QueueEngineTest, PurgeRemovesAllMessages) {
  ASSERT_TRUE(Create("q").ok());
  ASSERT_TRUE(Send({"a", "b"}).ok());
  std::promise<Status> p;
  engine_->PurgeQueue("q", [&](Status s) { p.set_value(s); });
  ASSERT_TRUE(p.get_future().get().ok());
  EXPECT_TRUE(Receive(10).empty());
}

TEST_F(QueueEngineTest, ReopenRestoresUndeletedMessagesOnly) {
  ASSERT_TRUE(Create("q", {{"VisibilityTimeout", "7"}}).ok());
  ASSERT_TRUE(Send({"a", "b", "c"}).ok());
  auto got = Receive(10);
  ASSERT_EQ(got.size(), 3u);
  const std::string deleted(got[1].body());
  ASSERT_TRUE(Delete(got[1]).ok());

  Reopen();
  EXPECT_EQ(Attribute("VisibilityTimeout"), "7");
  auto after = Receive(10);  // in-flight state is not durable: visible at once
  std::vector<std::string> expected = {"a", "b", "c"};
  expected.erase(std::find(expected.begin(), expected.end(), deleted));
  EXPECT_EQ(BodiesOf(after), expected);
}

TEST_F(QueueEngineTest, ReopenForgetsDeletedQueue) {
  ASSERT_TRUE(Create("q").ok());
  ASSERT_TRUE(Send({"a"}).ok());
  std::promise<Status> p;
  engine_->DeleteQueue("q", [&](Status s) { p.set_value(s); });
  ASSERT_TRUE(p.get_future().get().ok());
  Reopen();
  EXPECT_FALSE(engine_->QueueExists("q"));
}

TEST_F(QueueEngineTest, SecondEngineOnSameDirectoryIsRefused) {
  auto second = QueueEngine::Open({dir_.path()});
  EXPECT_EQ(second.status().code(), StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace roadsense::queue
