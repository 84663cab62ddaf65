// Randomized test for FIFO queues: drives QueueEngine and an in-memory model of message groups
// with the same operations (sends with repeated deduplication ids, receives, deletes, visibility
// changes, restarts with space reclamation) and checks that every receive returns exactly the
// messages, in exactly the order, that FIFO semantics allow.
#include <gtest/gtest.h>

#include <chrono>
#include <deque>
#include <map>
#include <random>

#include "tests/queue/queue_engine_fixture.h"

namespace roadsense::queue {
namespace {

struct FifoModelMessage {
  std::string body;
  uint64_t sequence_number = 0;
  bool in_flight = false;
  std::optional<ReceivedMessage> last;
};

class FifoModelTest : public testing::QueueEngineFixture,
                      public ::testing::WithParamInterface<uint32_t> {
 protected:
  QueueEngineOptions Options() override {
    QueueEngineOptions options = BaseOptions();
    // Odd seeds read every body back from the log; even ones keep the first few in memory.
    options.body_memory_bytes = GetParam() % 2 == 1 ? 0 : 40;
    options.segment_target_bytes = 2048;
    options.reclaim_interval = std::chrono::milliseconds(1);
    return options;
  }

  // What a receive of up to `max` must return: open groups (nothing in flight) by their oldest
  // message, each group's messages in order.
  std::vector<std::string> Expected(int max) const {
    std::map<uint64_t, const std::deque<FifoModelMessage>*> open;
    for (const auto& [group, messages] : groups_) {
      if (messages.empty()) continue;
      bool blocked = false;
      for (const auto& m : messages) blocked = blocked || m.in_flight;
      if (!blocked) open[messages.front().sequence_number] = &messages;
    }
    std::vector<std::string> out;
    for (const auto& [head, messages] : open) {
      for (const auto& m : *messages) {
        if (static_cast<int>(out.size()) == max) return out;
        out.push_back(m.body);
      }
    }
    return out;
  }

  FifoModelMessage* FindInFlight() {
    std::vector<FifoModelMessage*> in_flight;
    for (auto& [group, messages] : groups_) {
      for (auto& m : messages) {
        if (m.in_flight) in_flight.push_back(&m);
      }
    }
    return in_flight.empty() ? nullptr : in_flight[rng_() % in_flight.size()];
  }

  void Step() {
    switch (rng_() % 6) {
      case 0:
      case 1: {  // send 1..3, sometimes repeating an earlier deduplication id
        std::vector<NewMessage> batch;
        for (uint32_t i = rng_() % 3; i < 3; ++i) {
          NewMessage m;
          m.sender_id = "me";
          m.group_id = "g" + std::to_string(rng_() % 3);
          if (!sent_.empty() && rng_() % 4 == 0) {
            auto it = sent_.begin();
            std::advance(it, rng_() % sent_.size());
            m.deduplication_id = it->first;
            m.body = "dup";
          } else {
            m.deduplication_id = "d" + std::to_string(next_++);
            m.body = "m" + m.deduplication_id;
          }
          batch.push_back(std::move(m));
        }
        std::vector<NewMessage> copy = batch;
        std::promise<Result<std::vector<SentMessage>>> p;
        engine_->SendMessages("q.fifo", std::move(copy),
                              [&](auto r) { p.set_value(std::move(r)); });
        auto sent = p.get_future().get();
        ASSERT_TRUE(sent.ok()) << sent.status().ToString();
        for (size_t i = 0; i < batch.size(); ++i) {
          const SentMessage& s = (*sent)[i];
          auto [it, fresh] = sent_.try_emplace(batch[i].deduplication_id, s);
          if (!fresh) {
            EXPECT_EQ(s.id, it->second.id) << "duplicate got a new id";
            EXPECT_EQ(s.sequence_number, it->second.sequence_number);
            continue;
          }
          ASSERT_GT(s.sequence_number, last_sequence_number_);
          last_sequence_number_ = s.sequence_number;
          groups_[batch[i].group_id].push_back({batch[i].body, s.sequence_number, false, {}});
        }
        break;
      }
      case 2: {  // receive: exactly the messages FIFO allows, in order
        const int max = 1 + static_cast<int>(rng_() % 10);
        const std::vector<std::string> expected = Expected(max);
        auto got = Receive(max, 3600, 0, "q.fifo");
        std::vector<std::string> bodies;
        for (const auto& r : got) bodies.emplace_back(r.body());
        ASSERT_EQ(bodies, expected);
        for (const auto& r : got) {
          for (auto& m : groups_[r.message->group_id]) {
            if (m.body == r.body()) m = {m.body, m.sequence_number, true, r};
          }
        }
        break;
      }
      case 3: {  // delete an in-flight message
        FifoModelMessage* m = FindInFlight();
        if (m == nullptr) break;
        ASSERT_TRUE(Delete(*m->last, "q.fifo").ok());
        auto& group = groups_[m->last->message->group_id];
        const std::string body = m->body;
        std::erase_if(group, [&](const FifoModelMessage& x) { return x.body == body; });
        break;
      }
      case 4: {  // make an in-flight message visible again
        FifoModelMessage* m = FindInFlight();
        if (m == nullptr) break;
        ASSERT_TRUE(engine_->ChangeMessageVisibility("q.fifo", m->last->receipt.Encode(), 0).ok());
        m->in_flight = false;
        break;
      }
      case 5:  // restart: in flight becomes visible; order, groups and deduplication stay
        if (rng_() % 3 != 0) break;
        Reopen();
        for (auto& [group, messages] : groups_) {
          for (auto& m : messages) m.in_flight = false;
        }
        break;
    }
  }

  std::mt19937 rng_{GetParam()};
  std::map<std::string, std::deque<FifoModelMessage>> groups_;
  std::map<std::string, SentMessage> sent_;  // by deduplication id
  uint64_t last_sequence_number_ = 0;
  int next_ = 0;
};

TEST_P(FifoModelTest, EngineAgreesWithModel) {
  ASSERT_TRUE(Create("q.fifo", {{"FifoQueue", "true"}}).ok());
  for (int i = 0; i < 150; ++i) {
    ASSERT_NO_FATAL_FAILURE(Step()) << "step " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(Seeds, FifoModelTest, ::testing::Values(1u, 2u, 3u));

}  // namespace
}  // namespace roadsense::queue
