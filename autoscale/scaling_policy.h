// ScalingPolicy: how many workers a queue needs, decided from one load sample at a time. Pure:
// no clock, no I/O; the caller passes the sample's time, so tests drive it with made-up times.
//
// The model (docs/scaling.md): the workers must keep up with arrivals and also drain the backlog
// within the target drain time, so the work to do is
//     load = arrival rate + backlog / target_drain            [messages/s]
//     needed workers = ceil(load / per-worker rate)
// with backlog = visible + in-flight messages and arrival = d(backlog)/dt + processed rate
// (smoothed over samples). The per-worker rate is learned from the workers' own throughput while
// they are saturated (more messages waiting at both ends of the interval than they receive at
// once), else the configured guess.
//
// Against flapping:
// - up: at once to the needed count (a spike needs capacity now), at most once per up-cooldown;
//   also one more worker when the oldest message is older than the target drain time.
// - down: only when fewer workers would still run at most `scale_down_utilization` of their
//   capacity (a hysteresis band between the up and the down threshold), and then only to the
//   largest count any sample of the last down-cooldown asked for (a sliding window, like the
//   Kubernetes HPA's stabilization window); never sooner than down-cooldown after the last change
//   or after the first sample.
// Not thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>

namespace roadsense::autoscale {

using Clock = std::chrono::steady_clock;

struct ScalingOptions {
  int min_workers = 1;
  int max_workers = 4;
  double target_drain_seconds = 30;
  // Messages/s one worker processes, used until the workers' metrics measured it.
  double worker_rate_guess = 100;
  // Hysteresis: shrink only when the smaller fleet would be at most this busy (0 < u <= 1).
  double scale_down_utilization = 0.6;
  std::chrono::milliseconds scale_up_cooldown{10'000};
  std::chrono::milliseconds scale_down_cooldown{60'000};
};

// One observation of the queue and the workers.
struct LoadSample {
  Clock::time_point time;
  int64_t visible = 0;    // ApproximateNumberOfMessages
  int64_t in_flight = 0;  // ApproximateNumberOfMessagesNotVisible
  // Age of the oldest message in seconds, when the queue reports it.
  std::optional<double> oldest_age_seconds;
  // Messages all running workers finished per second since the previous sample, from their
  // /metrics; unset when no worker metrics are available.
  std::optional<double> processed_per_second;
};

struct ScalingDecision {
  enum class Action { kHold, kUp, kDown };
  Action action = Action::kHold;
  int target = 0;      // the worker count to run from now on
  std::string reason;  // one line for the log: the figures and the rule that decided
};

class ScalingPolicy {
 public:
  explicit ScalingPolicy(ScalingOptions options);

  // Decides for `sample`, with `current` workers running now. Samples must come in time order.
  ScalingDecision Decide(const LoadSample& sample, int current);

  // The per-worker rate the policy uses now (messages/s): measured, else the guess.
  double worker_rate() const { return worker_rate_; }

 private:
  ScalingOptions options_;
  double worker_rate_;
  double arrival_ = 0;  // messages/s, exponentially smoothed
  std::optional<LoadSample> previous_;
  std::optional<Clock::time_point> last_change_;
  std::optional<Clock::time_point> first_sample_;
  // The down-band need of every sample within the last down-cooldown (a sliding window).
  std::deque<std::pair<Clock::time_point, int>> down_window_;
};

}  // namespace roadsense::autoscale
