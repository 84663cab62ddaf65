// StandardQueue with explicit time: retention and the in-flight cap.
#include "queue/standard_queue.h"

#include <gtest/gtest.h>

#include "queue/sqs_error.h"

namespace roadsense::queue {
namespace {

constexpr int64_t kMinute = 60'000;

StoredMessagePtr Message(int64_t sent_ms) {
  auto m = std::make_shared<StoredMessage>();
  m->id = MessageId::Random();
  m->body = "x";
  m->sent_ms = sent_ms;
  return m;
}

QueueConfig Retention(const std::string& seconds) {
  auto config = QueueConfig().With({{"MessageRetentionPeriod", seconds}});
  EXPECT_TRUE(config.ok());
  return *config;
}

QueueConfig OneMinuteRetention() { return Retention("60"); }

Result<std::vector<ReceivedMessage>> ReceiveNow(StandardQueue& q, int64_t now_ms) {
  Result<std::vector<ReceivedMessage>> got = std::vector<ReceivedMessage>();
  Deliveries out;
  q.Receive(
      {10, 30, 0, ""}, [&](auto r) { got = std::move(r); }, now_ms, &out);
  for (auto& d : out.receivers) d.done(std::move(d.result));
  return got;
}

TEST(StandardQueue, ExpiredMessageIsNeverDelivered) {
  StandardQueue q("q", OneMinuteRetention(), {}, 0);
  Deliveries out;
  q.Insert(Message(0), 0, 1, 0, &out);
  auto got = ReceiveNow(q, kMinute);
  ASSERT_TRUE(got.ok());
  EXPECT_TRUE(got->empty());
  EXPECT_EQ(q.Counts(kMinute).visible, 0);
}

TEST(StandardQueue, ExpiredInFlightMessageIsDroppedBySweep) {
  StandardQueue q("q", OneMinuteRetention(), {}, 0);
  Deliveries out;
  q.Insert(Message(0), 0, 1, 0, &out);
  ASSERT_EQ(ReceiveNow(q, 1000)->size(), 1u);
  EXPECT_EQ(q.DropExpired(kMinute), 1u);
  EXPECT_EQ(q.Counts(kMinute).in_flight, 0);
  EXPECT_FALSE(q.OldestSequence().has_value());
}

TEST(StandardQueue, LiveMessageKeepsItsSequenceUntilRelocated) {
  StandardQueue q("q", QueueConfig(), {}, 0);
  Deliveries out;
  auto m = Message(0);
  q.Insert(m, 0, 5, 0, &out);
  q.Insert(Message(0), 0, 9, 0, &out);
  EXPECT_EQ(q.OldestSequence(), 5u);
  q.Relocate(m->id, WalLocation{.segment = 1, .sequence = 12, .offset = 100, .length = 30});
  EXPECT_EQ(q.OldestSequence(), 9u);
  EXPECT_EQ(m->body.location().offset, 100u);  // where its body is read back from
}

TEST(StandardQueue, DeadLetteredMessageKeepsItsSendRecordUntilItHasLeft) {
  auto config = QueueConfig().With(
      {{"RedrivePolicy",
        R"({"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:dlq","maxReceiveCount":1})"}});
  ASSERT_TRUE(config.ok());
  StandardQueue q("q", *config, {}, 0);
  Deliveries out;
  q.Insert(Message(0), 0, 5, 0, &out);
  ASSERT_EQ(ReceiveNow(q, 1000)->size(), 1u);
  Deliveries moved;
  q.Receive(
      {10, 30, 0, ""}, [](auto) {}, 40000, &moved);  // the second receive dead-letters it
  ASSERT_EQ(moved.dead_letters.size(), 1u);
  EXPECT_FALSE(q.Contains(moved.dead_letters[0].message->id));
  // Out of the queue, but its move is not logged yet: reclamation must keep its segment.
  EXPECT_EQ(q.OldestSequence(), 5u);
  q.Left(5);
  EXPECT_EQ(q.OldestSequence(), std::nullopt);
}

TEST(StandardQueue, ReceiveAtInFlightCapIsOverLimit) {
  StandardQueue q("q", QueueConfig(), {}, 0);
  Deliveries out;
  for (int64_t i = 0; i <= kMaxInFlightMessages; ++i) q.Insert(Message(0), 0, i + 1, 0, &out);
  for (int64_t i = 0; i < kMaxInFlightMessages / 10; ++i) ASSERT_EQ(ReceiveNow(q, 1)->size(), 10u);
  auto over = ReceiveNow(q, 1);
  std::string message;
  EXPECT_EQ(SqsErrorCodeOf(over.status(), &message), SqsErrorCode::kOverLimit);
}

// DropExpired() skips its scan of every message while none can have expired (a large backlog
// made the once-a-second sweep stall sends and receives). The skip must never hide an expired
// message: not one inserted later with an older sent time (a dead-lettered or copied message keeps
// its original one), and not after the retention period is shortened.
TEST(ExpirySweep, OlderMessageInsertedAfterASweepIsStillDropped) {
  StandardQueue q("q", Retention("60"), {}, 0);
  Deliveries out;
  q.Insert(Message(1000), 0, 1, 1000, &out);
  EXPECT_EQ(q.DropExpired(2000), 0u);  // nothing old enough: the next sweeps may skip
  q.Insert(Message(0), 0, 2, 2000, &out);
  EXPECT_EQ(q.DropExpired(kMinute), 1u);
  EXPECT_EQ(q.DropExpired(kMinute + 999), 0u);
  EXPECT_EQ(q.DropExpired(kMinute + 1000), 1u);
  EXPECT_FALSE(q.OldestSequence().has_value());
}

TEST(ExpirySweep, ShorterRetentionTakesEffectAtTheNextSweep) {
  StandardQueue q("q", Retention("120"), {}, 0);
  Deliveries out;
  q.Insert(Message(0), 0, 1, 0, &out);
  EXPECT_EQ(q.DropExpired(kMinute), 0u);
  q.SetAttributes(Retention("60"), {{"MessageRetentionPeriod", "60"}}, kMinute);
  EXPECT_EQ(q.DropExpired(kMinute), 1u);
}

}  // namespace
}  // namespace roadsense::queue
