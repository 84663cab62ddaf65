#include "queue/queue_engine.h"

#include <gtest/gtest.h>

#include <future>

#include "queue/sqs_error.h"
#include "tests/support/child_process.h"

namespace roadsense::queue {
namespace {

class QueueEngineTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }

  void Reopen() {
    engine_.reset();
    auto engine = QueueEngine::Open({dir_.path()});
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    engine_ = std::move(*engine);
  }

  Status Create(const std::string& name, const QueueAttributeMap& attributes = {}) {
    std::promise<Status> p;
    engine_->CreateQueue(name, attributes, [&](Status s) { p.set_value(s); });
    return p.get_future().get();
  }

  Result<std::vector<SentMessage>> Send(const std::vector<std::string>& bodies,
                                        int delay_seconds = -1) {
    std::vector<NewMessage> messages;
    for (const auto& b : bodies) messages.push_back({b, {}, delay_seconds, "me"});
    std::promise<Result<std::vector<SentMessage>>> p;
    engine_->SendMessages("q", std::move(messages), [&](auto r) { p.set_value(std::move(r)); });
    return p.get_future().get();
  }

  std::vector<ReceivedMessage> Receive(int max, int visibility_timeout = -1, int wait = 0) {
    std::promise<Result<std::vector<ReceivedMessage>>> p;
    engine_->ReceiveMessages("q", {max, visibility_timeout, wait},
                             [&](auto r) { p.set_value(std::move(r)); });
    auto r = p.get_future().get();
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : std::vector<ReceivedMessage>();
  }

  Status Delete(const ReceivedMessage& m) {
    std::promise<std::vector<Status>> p;
    engine_->DeleteMessages("q", {m.receipt.Encode()}, [&](auto s) { p.set_value(s); });
    return p.get_future().get().front();
  }

  std::string Attribute(const std::string& name) {
    auto all = engine_->GetQueueAttributes("q");
    EXPECT_TRUE(all.ok());
    return all.ok() ? all->at(name) : "";
  }

  static std::vector<std::string> BodiesOf(const std::vector<ReceivedMessage>& received) {
    std::vector<std::string> bodies;
    for (const auto& r : received) bodies.push_back(r.message->body);
    std::sort(bodies.begin(), bodies.end());
    return bodies;
  }

  roadsense::testing::TempDir dir_;
  std::unique_ptr<QueueEngine> engine_;
};

TEST_F(QueueEngineTest, SentMessageIsReceivedOnce) {
  ASSERT_TRUE(Create("q").ok());
  ASSERT_TRUE(Send({"a"}).ok());
  auto got = Receive(10);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].message->body, "a");
  EXPECT_EQ(got[0].receive_count, 1);
  EXPECT_TRUE(Receive(10).empty());  // in flight
  EXPECT_EQ(Attribute("ApproximateNumberOfMessagesNotVisible"), "1");
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
  EXPECT_EQ(again[0].message->body, got[1].message->body);
}

TEST_F(QueueEngineTest, LongPollWakesOnSend) {
  ASSERT_TRUE(Create("q").ok());
  std::promise<Result<std::vector<ReceivedMessage>>> p;
  engine_->ReceiveMessages("q", {1, -1, 20}, [&](auto r) { p.set_value(std::move(r)); });
  ASSERT_TRUE(Send({"wake"}).ok());
  auto got = p.get_future().get();  // a receiver woken only by its deadline would get nothing
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->size(), 1u);
  EXPECT_EQ((*got)[0].message->body, "wake");
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
  const std::string deleted = got[1].message->body;
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
