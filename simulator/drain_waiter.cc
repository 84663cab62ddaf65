#include "simulator/drain_waiter.h"

#include <spdlog/spdlog.h>

#include <cstdio>
#include <thread>

namespace roadsense::simulator {
namespace {

constexpr auto kLogInterval = std::chrono::seconds(5);

double Seconds(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

}  // namespace

std::string DrainResult::Describe() const {
  char buf[256];
  if (ok() && queue_checked) {
    std::snprintf(buf, sizeof buf,
                  "drained in %.1f s (queue empty after %.1f s, then %lld reports in the compared "
                  "tile_stats cells settled)",
                  elapsed_s, queue_s, static_cast<long long>(last_sum));
  } else if (ok()) {
    std::snprintf(buf, sizeof buf,
                  "drained in %.1f s (no --queue-url: waited until the compared tile_stats cells "
                  "held %lld reports and settled)",
                  elapsed_s, static_cast<long long>(last_sum));
  } else if (queue_checked && !queue_empty) {
    std::snprintf(buf, sizeof buf,
                  "NOT drained after %.1f s: queue still holds %lld visible, %lld in flight, "
                  "%lld delayed messages",
                  elapsed_s, static_cast<long long>(last_depth.visible),
                  static_cast<long long>(last_depth.in_flight),
                  static_cast<long long>(last_depth.delayed));
  } else {
    std::snprintf(buf, sizeof buf,
                  "NOT drained after %.1f s: tile_stats totals did not settle (last sum %lld)",
                  elapsed_s, static_cast<long long>(last_sum));
  }
  return buf;
}

DrainResult DrainWaiter::Wait(const QueueDepthReader& queue, const ReportSumReader& sum,
                              int64_t target, const DrainOptions& options) {
  const auto sleep = options.sleep ? options.sleep : [](std::chrono::milliseconds d) {
    std::this_thread::sleep_for(d);
  };
  const auto start = options.now();
  const auto deadline = start + options.timeout;
  auto next_log = start + kLogInterval;
  DrainResult r;
  r.queue_checked = static_cast<bool>(queue);
  int empty_in_a_row = 0;
  int64_t previous_sum = -1;
  while (true) {
    ++r.polls;
    std::string waiting_for;
    if (r.queue_checked && !r.queue_empty) {
      Result<QueueDepth> depth = queue();
      if (depth.ok()) {
        r.last_depth = *depth;
        empty_in_a_row = depth->empty() ? empty_in_a_row + 1 : 0;
        waiting_for = "queue: " + std::to_string(depth->visible) + " visible, " +
                      std::to_string(depth->in_flight) + " in flight, " +
                      std::to_string(depth->delayed) + " delayed";
      } else {
        empty_in_a_row = 0;
        waiting_for = "queue: " + depth.status().ToString();
      }
      if (empty_in_a_row >= options.empty_polls_needed) {
        r.queue_empty = true;
        r.queue_s = Seconds(options.now() - start);
      }
    }
    if (!r.queue_checked || r.queue_empty) {
      Result<int64_t> s = sum();
      if (s.ok()) {
        const bool reached = r.queue_checked || *s >= target;
        if (reached && *s == previous_sum) r.settled = true;
        previous_sum = *s;
        r.last_sum = *s;
        waiting_for =
            "tile_stats: " + std::to_string(*s) + " of " + std::to_string(target) + " reports";
      } else {
        previous_sum = -1;
        waiting_for = "tile_stats: " + s.status().ToString();
      }
    }
    const auto now = options.now();
    r.elapsed_s = Seconds(now - start);
    if (r.ok() || now >= deadline) return r;
    if (now >= next_log) {
      spdlog::info("verify: waiting for the pipeline to drain ({})", waiting_for);
      next_log = now + kLogInterval;
    }
    sleep(options.poll_interval);
  }
}

}  // namespace roadsense::simulator
