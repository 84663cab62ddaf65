#include "autoscale/scaling_policy.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace roadsense::autoscale {
namespace {

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

int WorkersFor(double load, double rate_per_worker) {
  if (load <= 0) return 0;
  return static_cast<int>(std::ceil(load / rate_per_worker - 1e-9));
}

std::string Format(const char* format, auto... args) {
  char buf[512];
  std::snprintf(buf, sizeof buf, format, args...);
  return buf;
}

}  // namespace

ScalingPolicy::ScalingPolicy(ScalingOptions options)
    : options_(options), worker_rate_(std::max(options.worker_rate_guess, 1e-3)) {}

ScalingDecision ScalingPolicy::Decide(const LoadSample& sample, int current) {
  const int64_t backlog = sample.visible + sample.in_flight;
  const double dt = previous_ ? Seconds(sample.time - previous_->time) : 0;
  // Saturated: more messages were waiting, at both ends of the interval, than the workers'
  // receive calls take at once (10 each); with spare capacity they would have taken them.
  const int64_t waiting = std::max<int64_t>(1, int64_t{10} * current);
  const bool saturated = previous_ && previous_->visible >= waiting && sample.visible >= waiting;

  // Learn the per-worker rate only while messages were waiting the whole interval: an idle
  // worker's throughput says nothing about its capacity.
  bool measured = false;
  if (sample.processed_per_second && saturated && current > 0 && *sample.processed_per_second > 0) {
    const double per_worker = *sample.processed_per_second / current;
    worker_rate_ = 0.5 * worker_rate_ + 0.5 * per_worker;
    measured = true;
  }
  double processed = 0;
  if (sample.processed_per_second) {
    processed = *sample.processed_per_second;
  } else if (saturated) {
    processed = current * worker_rate_;  // saturated workers run at their rate
  }
  if (dt > 0) {
    // Smoothed, so that one burst counts as a burst (the backlog term handles it) and not as a
    // rate that will last.
    const int64_t previous_backlog = previous_->visible + previous_->in_flight;
    const double observed = std::max(0.0, (backlog - previous_backlog) / dt + processed);
    arrival_ = 0.5 * arrival_ + 0.5 * observed;
  }
  const double arrival = arrival_;
  previous_ = sample;

  const double load = arrival + backlog / options_.target_drain_seconds;
  int needed_up = WorkersFor(load, worker_rate_);
  int needed_down = WorkersFor(load, worker_rate_ * options_.scale_down_utilization);
  const bool old_messages = sample.oldest_age_seconds && sample.visible > 0 &&
                            *sample.oldest_age_seconds > options_.target_drain_seconds;
  if (old_messages) {
    needed_up = std::max(needed_up, current + 1);
    needed_down = std::max(needed_down, current);
  }
  needed_up = std::clamp(needed_up, options_.min_workers, options_.max_workers);
  needed_down = std::clamp(needed_down, options_.min_workers, options_.max_workers);

  const std::string age = sample.oldest_age_seconds ? Format("%.1f s", *sample.oldest_age_seconds)
                                                    : std::string("unknown");
  const std::string figures = Format(
      "backlog %lld (visible %lld, in flight %lld), oldest %s, arrival %.0f msg/s, %.0f msg/s "
      "per worker (%s): load %.0f msg/s needs %d, %d within the down band",
      static_cast<long long>(backlog), static_cast<long long>(sample.visible),
      static_cast<long long>(sample.in_flight), age.c_str(), arrival, worker_rate_,
      measured ? "measured" : (sample.processed_per_second ? "learned" : "guess"), load, needed_up,
      needed_down);

  ScalingDecision d;
  d.target = current;
  auto change = [&](ScalingDecision::Action action, int target, const std::string& why) {
    d.action = action;
    d.target = target;
    d.reason = why + ": " + figures;
    last_change_ = sample.time;
  };
  const double since_change =
      last_change_ ? Seconds(sample.time - *last_change_) : 1e18;  // never changed: no cooldown

  if (current < options_.min_workers) {
    change(ScalingDecision::Action::kUp, std::max(needed_up, options_.min_workers),
           Format("below --min %d", options_.min_workers));
    return d;
  }
  if (current > options_.max_workers) {
    change(ScalingDecision::Action::kDown, options_.max_workers,
           Format("above --max %d", options_.max_workers));
    return d;
  }
  const Clock::duration down_cooldown = options_.scale_down_cooldown;
  if (!first_sample_) first_sample_ = sample.time;
  down_window_.emplace_back(sample.time, needed_down);
  while (down_window_.front().first <= sample.time - down_cooldown) down_window_.pop_front();
  int window_needed = 0;
  for (const auto& [time, needed] : down_window_) window_needed = std::max(window_needed, needed);

  if (needed_up > current) {
    const double cooldown = Seconds(options_.scale_up_cooldown);
    if (since_change < cooldown) {
      d.reason = Format("hold at %d, up to %d waits for the up-cooldown (%.1f s left)", current,
                        needed_up, cooldown - since_change) +
                 ": " + figures;
      return d;
    }
    change(ScalingDecision::Action::kUp, needed_up,
           Format("scale up %d -> %d (%s)", current, needed_up,
                  old_messages ? "oldest message older than the target drain time"
                               : "load exceeds capacity"));
    return d;
  }
  if (window_needed < current) {
    const double cooldown = Seconds(down_cooldown);
    const double waited = std::min(since_change, Seconds(sample.time - *first_sample_));
    if (waited >= cooldown) {
      change(ScalingDecision::Action::kDown, window_needed,
             Format("scale down %d -> %d (no sample of the last %.1f s needed more)", current,
                    window_needed, cooldown));
      return d;
    }
    d.reason = Format("hold at %d, %d would do; down-cooldown %.1f s left", current, window_needed,
                      cooldown - waited) +
               ": " + figures;
    return d;
  }
  d.reason = Format("hold at %d (within band)", current) + ": " + figures;
  return d;
}

}  // namespace roadsense::autoscale
