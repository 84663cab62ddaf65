// StandardQueue::DropExpired() skips its scan of every message while none can have expired (a
// large backlog made the once-a-second sweep stall sends and receives). The skip must never hide
// an expired message: not one inserted later with an older sent time (a dead-lettered or copied
// message keeps its original one), and not after the retention period is shortened.
#include <gtest/gtest.h>

#include "queue/standard_queue.h"

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
