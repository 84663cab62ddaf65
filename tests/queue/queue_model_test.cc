// Randomized test: drives QueueEngine and a simple in-memory model with the same operations,
// including restarts and space reclamation, and checks after every step that they agree.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <random>

#include "tests/queue/queue_engine_fixture.h"

namespace roadsense::queue {
namespace {

// What the engine must hold: every live message, its receive count and whether it is in flight.
struct ModelMessage {
  int receive_count = 0;
  bool in_flight = false;
  std::optional<ReceivedMessage> last;  // the latest receive (its receipt handle)
};

class QueueModelTest : public testing::QueueEngineFixture,
                       public ::testing::WithParamInterface<uint32_t> {
 protected:
  // Tiny segments and constant reclamation: restarts also replay snapshots and copied records.
  QueueEngineOptions Options() override {
    QueueEngineOptions options = BaseOptions();
    // Odd seeds read every body back from the log; even ones keep the first few in memory.
    options.body_memory_bytes = GetParam() % 2 == 1 ? 0 : 40;
    options.segment_target_bytes = 2048;
    options.reclaim_interval = std::chrono::milliseconds(1);
    return options;
  }

  int64_t CountWhere(bool in_flight) const {
    int64_t n = 0;
    for (const auto& [body, m] : model_) n += m.in_flight == in_flight;
    return n;
  }

  std::string PickInFlight() {
    std::vector<std::string> bodies;
    for (const auto& [body, m] : model_) {
      if (m.in_flight) bodies.push_back(body);
    }
    if (bodies.empty()) return "";
    return bodies[rng_() % bodies.size()];
  }

  void Step() {
    switch (rng_() % 6) {
      case 0:
      case 1: {  // send 1..3
        std::vector<std::string> bodies;
        for (uint32_t i = rng_() % 3; i < 3; ++i) bodies.push_back("m" + std::to_string(next_++));
        ASSERT_TRUE(Send(bodies).ok());
        for (const auto& b : bodies) model_[b] = {};
        break;
      }
      case 2: {  // receive
        const int max = 1 + static_cast<int>(rng_() % 10);
        auto got = Receive(max, 3600);
        ASSERT_EQ(static_cast<int64_t>(got.size()), std::min<int64_t>(max, CountWhere(false)));
        for (const auto& r : got) {
          auto it = model_.find(std::string(r.body()));
          ASSERT_NE(it, model_.end()) << "invented " << r.body();
          ASSERT_FALSE(it->second.in_flight) << r.body() << " delivered while in flight";
          EXPECT_EQ(r.receive_count, it->second.receive_count + 1) << r.body();
          it->second = {r.receive_count, true, r};
        }
        break;
      }
      case 3: {  // delete an in-flight message
        const std::string body = PickInFlight();
        if (body.empty()) break;
        ASSERT_TRUE(Delete(*model_[body].last).ok());
        model_.erase(body);
        break;
      }
      case 4: {  // make an in-flight message visible again
        const std::string body = PickInFlight();
        if (body.empty()) break;
        ASSERT_TRUE(
            engine_->ChangeMessageVisibility("q", model_[body].last->receipt.Encode(), 0).ok());
        model_[body].in_flight = false;
        break;
      }
      case 5:  // restart: in-flight messages are visible again, counts are kept
        if (rng_() % 3 != 0) break;
        Reopen();
        for (auto& [body, m] : model_) m.in_flight = false;
        break;
    }
    ASSERT_EQ(Attribute("ApproximateNumberOfMessages"), std::to_string(CountWhere(false)));
    ASSERT_EQ(Attribute("ApproximateNumberOfMessagesNotVisible"), std::to_string(CountWhere(true)));
  }

  std::mt19937 rng_{GetParam()};
  std::map<std::string, ModelMessage> model_;
  int next_ = 0;
};

TEST_P(QueueModelTest, EngineAgreesWithModel) {
  ASSERT_TRUE(Create("q").ok());
  for (int i = 0; i < 120; ++i) {
    ASSERT_NO_FATAL_FAILURE(Step()) << "step " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(Seeds, QueueModelTest, ::testing::Values(1u, 2u, 3u));

}  // namespace
}  // namespace roadsense::queue
