// FIFO queues on the engine: ordering per group, group blocking, deduplication (also across a
// restart), SequenceNumber, ReceiveRequestAttemptId, dead-letter queues.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <thread>

#include "queue/sqs_error.h"
#include "tests/queue/queue_engine_fixture.h"

namespace roadsense::queue {
namespace {

struct FifoSend {
  FifoSend(std::string b, std::string g, std::string d = "")
      : body(std::move(b)), group(std::move(g)), dedup(std::move(d)) {}
  std::string body, group, dedup;  // dedup "": the body
};

class FifoQueueTest : public testing::QueueEngineFixture {
 protected:
  void SetUp() override {
    QueueEngineFixture::SetUp();
    ASSERT_TRUE(Create("q.fifo", {{"FifoQueue", "true"}}).ok());
  }

  Result<std::vector<SentMessage>> SendFifo(const std::vector<FifoSend>& sends,
                                            const std::string& queue = "q.fifo") {
    std::vector<NewMessage> messages;
    for (const auto& s : sends) {
      NewMessage m;
      m.body = s.body;
      m.sender_id = "me";
      m.group_id = s.group;
      m.deduplication_id = s.dedup.empty() ? s.body : s.dedup;
      messages.push_back(std::move(m));
    }
    std::promise<Result<std::vector<SentMessage>>> p;
    engine_->SendMessages(queue, std::move(messages), [&](auto r) { p.set_value(std::move(r)); });
    return p.get_future().get();
  }

  std::vector<ReceivedMessage> ReceiveFifo(int max, int visibility_timeout = -1,
                                           const std::string& attempt_id = "",
                                           const std::string& queue = "q.fifo") {
    std::promise<Result<std::vector<ReceivedMessage>>> p;
    ReceiveRequest request{max, visibility_timeout, 0, attempt_id};
    engine_->ReceiveMessages(queue, request, [&](auto r) { p.set_value(std::move(r)); });
    auto r = p.get_future().get();
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : std::vector<ReceivedMessage>();
  }

  // Bodies in delivery order (not sorted: order is the point).
  static std::vector<std::string> InOrder(const std::vector<ReceivedMessage>& received) {
    std::vector<std::string> bodies;
    for (const auto& r : received) bodies.emplace_back(r.body());
    return bodies;
  }
};

using Bodies = std::vector<std::string>;

SqsErrorCode CodeOf(const Status& s) {
  std::string message;
  return SqsErrorCodeOf(s, &message);
}

TEST_F(FifoQueueTest, FifoQueueNeedsFifoNameAndFifoNameNeedsFifoQueue) {
  EXPECT_EQ(CodeOf(Create("plain", {{"FifoQueue", "true"}})), SqsErrorCode::kInvalidParameterValue);
  EXPECT_EQ(CodeOf(Create("other.fifo")), SqsErrorCode::kInvalidParameterValue);
  EXPECT_EQ(CodeOf(Create("plain", {{"ContentBasedDeduplication", "true"}})),
            SqsErrorCode::kInvalidAttributeName);
  EXPECT_EQ(CodeOf(Create("x.fifo", {{"FifoQueue", "true"}, {"DeduplicationScope", "x"}})),
            SqsErrorCode::kInvalidAttributeValue);
  EXPECT_TRUE(Create("y.fifo", {{"FifoQueue", "true"},
                                {"DeduplicationScope", "messageGroup"},
                                {"FifoThroughputLimit", "perMessageGroupId"}})
                  .ok());
  EXPECT_EQ(Attribute("FifoThroughputLimit", "y.fifo"), "perMessageGroupId");
  EXPECT_EQ(CodeOf(SetAttributes("y.fifo", {{"DeduplicationScope", "queue"}})),
            SqsErrorCode::kInvalidAttributeValue);  // perMessageGroupId needs messageGroup
  EXPECT_EQ(Attribute("ContentBasedDeduplication", "y.fifo"), "false");
  EXPECT_EQ(CodeOf(SetAttributes("y.fifo", {{"FifoQueue", "false"}})),
            SqsErrorCode::kInvalidAttributeName);
}

TEST_F(FifoQueueTest, OneReceiveReturnsAGroupsMessagesInSendOrder) {
  ASSERT_TRUE(SendFifo({{"a1", "A"}, {"a2", "A"}, {"a3", "A"}}).ok());
  EXPECT_EQ(InOrder(ReceiveFifo(10)), (Bodies{"a1", "a2", "a3"}));
}

TEST_F(FifoQueueTest, GroupWithMessageInFlightIsBlockedWhileOtherGroupsFlow) {
  ASSERT_TRUE(SendFifo({{"a1", "A"}, {"a2", "A"}, {"b1", "B"}}).ok());
  auto first = ReceiveFifo(1);
  ASSERT_EQ(InOrder(first), (Bodies{"a1"}));
  EXPECT_EQ(InOrder(ReceiveFifo(10)), (Bodies{"b1"}));
  EXPECT_TRUE(ReceiveFifo(10).empty());  // A blocked by a1, B by b1
  ASSERT_TRUE(Delete(first[0], "q.fifo").ok());
  EXPECT_EQ(InOrder(ReceiveFifo(10)), (Bodies{"a2"}));
}

TEST_F(FifoQueueTest, ExpiredVisibilityRedeliversTheSameMessageFirst) {
  ASSERT_TRUE(SendFifo({{"a1", "A"}, {"a2", "A"}}).ok());
  ASSERT_EQ(InOrder(ReceiveFifo(1, /*visibility_timeout=*/0)), (Bodies{"a1"}));
  EXPECT_EQ(InOrder(ReceiveFifo(10)), (Bodies{"a1", "a2"}));
}

TEST_F(FifoQueueTest, ChangeVisibilityToZeroReopensTheGroupInOrder) {
  ASSERT_TRUE(SendFifo({{"a1", "A"}, {"a2", "A"}}).ok());
  auto got = ReceiveFifo(2);
  ASSERT_EQ(InOrder(got), (Bodies{"a1", "a2"}));
  // a1 visible again but a2 still in flight: the group stays blocked.
  ASSERT_TRUE(engine_->ChangeMessageVisibility("q.fifo", got[0].receipt.Encode(), 0).ok());
  EXPECT_TRUE(ReceiveFifo(10).empty());
  ASSERT_TRUE(engine_->ChangeMessageVisibility("q.fifo", got[1].receipt.Encode(), 0).ok());
  EXPECT_EQ(InOrder(ReceiveFifo(10)), (Bodies{"a1", "a2"}));
}

TEST_F(FifoQueueTest, DuplicateWithinWindowReturnsOriginalAndIsNotEnqueued) {
  auto first = SendFifo({{"x", "A", "d1"}});
  ASSERT_TRUE(first.ok());
  auto again = SendFifo({{"y", "A", "d1"}});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)[0].id, (*first)[0].id);
  EXPECT_EQ((*again)[0].sequence_number, (*first)[0].sequence_number);
  EXPECT_EQ(InOrder(ReceiveFifo(10)), (Bodies{"x"}));
}

TEST_F(FifoQueueTest, DuplicateAfterDeleteIsStillDeduplicated) {
  ASSERT_TRUE(SendFifo({{"x", "A", "d1"}}).ok());
  auto got = ReceiveFifo(1);
  ASSERT_TRUE(Delete(got.at(0), "q.fifo").ok());
  ASSERT_TRUE(SendFifo({{"x", "A", "d1"}}).ok());
  EXPECT_TRUE(ReceiveFifo(10).empty());
}

TEST_F(FifoQueueTest, MessageGroupScopeDeduplicatesPerGroup) {
  ASSERT_TRUE(
      Create("g.fifo", {{"FifoQueue", "true"}, {"DeduplicationScope", "messageGroup"}}).ok());
  ASSERT_TRUE(SendFifo({{"a", "A", "d"}, {"b", "B", "d"}, {"c", "A", "d"}}, "g.fifo").ok());
  auto got = ReceiveFifo(10, -1, "", "g.fifo");
  std::vector<std::string> bodies = InOrder(got);
  std::sort(bodies.begin(), bodies.end());
  EXPECT_EQ(bodies, (Bodies{"a", "b"}));
}

TEST_F(FifoQueueTest, SequenceNumbersIncreaseAcrossRestart) {
  auto before = SendFifo({{"a", "A"}, {"b", "B"}});
  ASSERT_TRUE(before.ok());
  EXPECT_LT((*before)[0].sequence_number, (*before)[1].sequence_number);
  Reopen();
  auto after = SendFifo({{"c", "A"}});
  ASSERT_TRUE(after.ok());
  EXPECT_GT((*after)[0].sequence_number, (*before)[1].sequence_number);
  auto got = ReceiveFifo(10);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].message->sequence_number, (*before)[0].sequence_number);
  EXPECT_EQ(got[0].message->group_id, "A");
}

TEST_F(FifoQueueTest, DeduplicationSurvivesRestart) {
  auto first = SendFifo({{"x", "A", "d1"}});
  ASSERT_TRUE(first.ok());
  auto got = ReceiveFifo(1);
  ASSERT_TRUE(Delete(got.at(0), "q.fifo").ok());
  Reopen();
  auto again = SendFifo({{"x", "A", "d1"}});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)[0].id, (*first)[0].id);
  EXPECT_EQ((*again)[0].sequence_number, (*first)[0].sequence_number);
  EXPECT_TRUE(ReceiveFifo(10).empty());
}

TEST_F(FifoQueueTest, OrderAndGroupsSurviveRestart) {
  ASSERT_TRUE(SendFifo({{"a1", "A"}, {"b1", "B"}, {"a2", "A"}}).ok());
  ASSERT_EQ(ReceiveFifo(1).size(), 1u);  // in flight at the restart: visible again after it
  Reopen();
  EXPECT_EQ(InOrder(ReceiveFifo(10)), (Bodies{"a1", "a2", "b1"}));
}

TEST_F(FifoQueueTest, RetriedAttemptIdReturnsTheSameMessagesAndReceipts) {
  ASSERT_TRUE(SendFifo({{"a1", "A"}, {"b1", "B"}}).ok());
  auto first = ReceiveFifo(1, -1, "attempt-1");
  ASSERT_EQ(first.size(), 1u);
  auto retry = ReceiveFifo(1, -1, "attempt-1");
  ASSERT_EQ(retry.size(), 1u);
  EXPECT_EQ(retry[0].body(), first[0].body());
  EXPECT_EQ(retry[0].receipt.Encode(), first[0].receipt.Encode());
  EXPECT_EQ(ReceiveFifo(1, -1, "attempt-2").size(), 1u);  // a new attempt: the other group
}

TEST_F(FifoQueueTest, DeadLetterQueueMustBeFifoToo) {
  ASSERT_TRUE(Create("std").ok());
  const std::string policy = R"({"deadLetterTargetArn":"arn:aws:sqs:us-east-1:0:std",)"
                             R"("maxReceiveCount":"1"})";
  EXPECT_EQ(CodeOf(SetAttributes("q.fifo", {{"RedrivePolicy", policy}})),
            SqsErrorCode::kInvalidParameterValue);
}

TEST_F(FifoQueueTest, MaxReceiveCountMovesToFifoDeadLetterQueueAndNextInGroupFollows) {
  ASSERT_TRUE(Create("dlq.fifo", {{"FifoQueue", "true"}}).ok());
  ASSERT_TRUE(SetAttributes(
                  "q.fifo",
                  {{"RedrivePolicy", R"({"deadLetterTargetArn":"arn:aws:sqs:us-east-1:0:dlq.fifo",)"
                                     R"("maxReceiveCount":"1"})"}})
                  .ok());
  ASSERT_TRUE(SendFifo({{"a1", "A"}, {"a2", "A"}}).ok());
  ASSERT_EQ(InOrder(ReceiveFifo(1, 0)), (Bodies{"a1"}));
  EXPECT_EQ(InOrder(ReceiveFifo(1)), (Bodies{"a2"}));  // a1 dead-lettered, a2 next
  std::vector<ReceivedMessage> dead;
  for (int i = 0; i < 100 && dead.empty(); ++i) {
    dead = ReceiveFifo(10, -1, "", "dlq.fifo");
    if (dead.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(InOrder(dead), (Bodies{"a1"}));
  EXPECT_EQ(dead[0].message->group_id, "A");
}

TEST_F(FifoQueueTest, LongPollWakesWhenTheBlockingMessageIsDeleted) {
  ASSERT_TRUE(SendFifo({{"a1", "A"}, {"a2", "A"}}).ok());
  auto first = ReceiveFifo(1);
  ASSERT_EQ(first.size(), 1u);
  std::promise<Result<std::vector<ReceivedMessage>>> p;
  engine_->ReceiveMessages("q.fifo", {10, -1, 20, ""}, [&](auto r) { p.set_value(std::move(r)); });
  auto waiting = p.get_future();
  ASSERT_TRUE(Delete(first[0], "q.fifo").ok());
  ASSERT_EQ(waiting.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  auto got = waiting.get();
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(InOrder(*got), (Bodies{"a2"}));
}

TEST_F(FifoQueueTest, ReceiveAtFifoInFlightCapIsOverLimit) {
  std::vector<FifoSend> batch;
  for (int64_t i = 0; i <= kMaxInFlightFifoMessages; ++i) {
    batch.emplace_back("m", "g" + std::to_string(i), std::to_string(i));
    if (batch.size() == 1000 || i == kMaxInFlightFifoMessages) {
      ASSERT_TRUE(SendFifo(batch).ok());
      batch.clear();
    }
  }
  for (int64_t i = 0; i < kMaxInFlightFifoMessages / 10; ++i)
    ASSERT_EQ(ReceiveFifo(10).size(), 10u);
  std::promise<Result<std::vector<ReceivedMessage>>> p;
  engine_->ReceiveMessages("q.fifo", {10, -1, 0, ""}, [&](auto r) { p.set_value(std::move(r)); });
  auto r = p.get_future().get();
  EXPECT_EQ(CodeOf(r.status()), SqsErrorCode::kOverLimit);
}

class FifoReclamationTest : public FifoQueueTest {
 protected:
  QueueEngineOptions Options() override { return ReclaimingOptions(); }
};

TEST_F(FifoReclamationTest, DeduplicationOfADeletedMessageSurvivesSegmentReclamation) {
  auto first = SendFifo({{"x", "A", "d1"}});
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(Delete(ReceiveFifo(1).at(0), "q.fifo").ok());
  // Churn through many segments, giving reclamation its turns: the Send of "x" must stay.
  ASSERT_TRUE(Create("q").ok());
  for (int i = 0; i < 40; ++i) {
    ASSERT_TRUE(Send({std::string(1000, 'y')}).ok());
    for (const auto& m : Receive(10, 3600)) ASSERT_TRUE(Delete(m).ok());
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  Reopen();
  auto again = SendFifo({{"x", "A", "d1"}});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)[0].id, (*first)[0].id);
  EXPECT_TRUE(ReceiveFifo(10).empty());
}

}  // namespace
}  // namespace roadsense::queue
