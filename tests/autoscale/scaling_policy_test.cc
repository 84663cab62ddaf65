#include "autoscale/scaling_policy.h"

#include <gtest/gtest.h>

namespace roadsense::autoscale {
namespace {

using Action = ScalingDecision::Action;
using std::chrono::milliseconds;
using std::chrono::seconds;

ScalingOptions Options() {
  ScalingOptions o;
  o.min_workers = 1;
  o.max_workers = 8;
  o.target_drain_seconds = 10;
  o.worker_rate_guess = 100;  // messages/s per worker
  o.scale_down_utilization = 0.6;
  o.scale_up_cooldown = seconds(5);
  o.scale_down_cooldown = seconds(30);
  return o;
}

// Drives a policy with samples one second apart and tracks the worker count it chose.
class Controller {
 public:
  explicit Controller(ScalingOptions o, int workers = 1) : policy_(o), workers_(workers) {}
  ScalingDecision Step(int64_t visible, int64_t in_flight = 0,
                       std::optional<double> processed = std::nullopt,
                       std::optional<double> age = std::nullopt) {
    now_ += seconds(1);
    LoadSample s;
    s.time = now_;
    s.visible = visible;
    s.in_flight = in_flight;
    s.processed_per_second = processed;
    s.oldest_age_seconds = age;
    ScalingDecision d = policy_.Decide(s, workers_);
    if (d.action != Action::kHold) ++changes_;
    workers_ = d.target;
    return d;
  }
  int workers() const { return workers_; }
  int changes() const { return changes_; }
  const ScalingPolicy& policy() const { return policy_; }

 private:
  ScalingPolicy policy_;
  int workers_;
  int changes_ = 0;
  Clock::time_point now_{};
};

TEST(ScalingPolicy, BacklogSpikeScalesUpAtOnce) {
  Controller c(Options());
  c.Step(0);
  // 5000 messages to drain in 10 s at 100 msg/s per worker: 5 workers (plus arrivals).
  const ScalingDecision d = c.Step(5000);
  EXPECT_EQ(d.action, Action::kUp);
  EXPECT_GE(c.workers(), 5);
  EXPECT_NE(d.reason.find("scale up 1 -> "), std::string::npos) << d.reason;
  EXPECT_NE(d.reason.find("backlog 5000"), std::string::npos) << d.reason;
}

TEST(ScalingPolicy, NeverAboveMax) {
  ScalingOptions o = Options();
  o.max_workers = 3;
  Controller c(o);
  c.Step(0);
  c.Step(1'000'000);
  EXPECT_EQ(c.workers(), 3);
}

TEST(ScalingPolicy, BelowMinStartsWorkers) {
  ScalingOptions o = Options();
  o.min_workers = 2;
  Controller c(o, 0);
  const ScalingDecision d = c.Step(0);
  EXPECT_EQ(d.action, Action::kUp);
  EXPECT_EQ(c.workers(), 2);
}

TEST(ScalingPolicy, DrainedQueueScalesDownOnlyAfterCooldown) {
  Controller c(Options());
  c.Step(0);
  c.Step(5000);
  const int peak = c.workers();
  ASSERT_GT(peak, 1);
  // Drained: nothing visible, nothing in flight.
  // No change within the down-cooldown after the scale-up ...
  for (int i = 0; i < 29; ++i) {
    const ScalingDecision d = c.Step(0);
    EXPECT_EQ(d.action, Action::kHold) << "second " << i << ": " << d.reason;
  }
  EXPECT_EQ(c.workers(), peak);
  // ... then down, in steps no closer than the cooldown, to --min.
  ScalingDecision d;
  for (int i = 0; i < 10 && d.action == Action::kHold; ++i) d = c.Step(0);
  EXPECT_EQ(d.action, Action::kDown) << d.reason;
  EXPECT_NE(d.reason.find("scale down " + std::to_string(peak) + " -> "), std::string::npos)
      << d.reason;
  for (int i = 0; i < 100; ++i) c.Step(0);
  EXPECT_EQ(c.workers(), 1);
  EXPECT_LE(c.changes(), 1 + 3);
}

TEST(ScalingPolicy, ScaleDownGoesToTheMostAnySampleInTheWindowNeeded) {
  Controller c(Options());
  c.Step(0);
  c.Step(8000);  // up to 8 (the max)
  ASSERT_EQ(c.workers(), 8);
  // A steady trickle that 2 workers carry at <= 60 %: they process 100 msg/s, nothing waits.
  for (int i = 0; i < 120; ++i) c.Step(0, 0, 100.0);
  EXPECT_EQ(c.workers(), 2);
}

TEST(ScalingPolicy, NoFlappingAroundTheThreshold) {
  Controller c(Options(), 3);
  // Arrivals oscillate around the capacity of 3 workers (300 msg/s): 270..330 msg/s, with a
  // small backlog that comes and goes. The policy may add one worker, but must not go back and
  // forth.
  int64_t backlog = 0;
  for (int i = 0; i < 300; ++i) {
    const double arrival = i % 2 == 0 ? 330 : 270;
    const double processed = std::min<double>(backlog + arrival, c.workers() * 100.0);
    backlog = std::max<int64_t>(0, backlog + static_cast<int64_t>(arrival - processed));
    c.Step(backlog, 0, processed);
  }
  EXPECT_LE(c.changes(), 1);
  EXPECT_GE(c.workers(), 3);
  EXPECT_LE(c.workers(), 4);
}

TEST(ScalingPolicy, UpCooldownDelaysASecondScaleUp) {
  ScalingOptions o = Options();
  o.worker_rate_guess = 1000;
  Controller c(o);
  c.Step(0);
  c.Step(2000);  // ~1.2 k msg/s needed: 2 workers
  ASSERT_EQ(c.workers(), 2);
  const ScalingDecision d = c.Step(40000);  // a second wave 1 s later
  EXPECT_EQ(d.action, Action::kHold);
  EXPECT_NE(d.reason.find("up-cooldown"), std::string::npos) << d.reason;
  for (int i = 0; i < 4; ++i) c.Step(40000);
  EXPECT_GT(c.workers(), 2);
}

TEST(ScalingPolicy, OldMessagesAddAWorker) {
  Controller c(Options(), 2);
  // A small backlog that the rate model says 2 workers handle, but the oldest message waits
  // longer than the target drain time (e.g. slow messages): one more worker.
  const ScalingDecision d = c.Step(50, 0, std::nullopt, 25.0);
  EXPECT_EQ(d.action, Action::kUp);
  EXPECT_EQ(c.workers(), 3);
  EXPECT_NE(d.reason.find("oldest message"), std::string::npos) << d.reason;
}

TEST(ScalingPolicy, LearnsWorkerRateWhileSaturated) {
  ScalingOptions o = Options();
  o.max_workers = 2;
  Controller c(o, 2);
  c.Step(5000, 20, 1000.0);
  c.Step(4000, 20, 1000.0);  // saturated: 500 msg/s per worker
  EXPECT_GT(c.policy().worker_rate(), 250);
}

TEST(ScalingPolicy, IdleThroughputDoesNotLowerTheRate) {
  Controller c(Options(), 2);
  for (int i = 0; i < 10; ++i) c.Step(0, 0, 1.0);  // idle workers process little
  EXPECT_DOUBLE_EQ(c.policy().worker_rate(), 100);
}

}  // namespace
}  // namespace roadsense::autoscale
