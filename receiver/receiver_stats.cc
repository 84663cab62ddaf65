#include "receiver/receiver_stats.h"

#include <cstdio>

namespace roadsense::receiver {

void ReceiverStats::RecordAccepted(uint64_t reports, std::chrono::microseconds enqueue_latency) {
  accepted_.fetch_add(1, std::memory_order_relaxed);
  reports_.fetch_add(reports, std::memory_order_relaxed);
  RecordLatency(enqueue_latency);
}

void ReceiverStats::RecordFailed(std::chrono::microseconds enqueue_latency) {
  failed_.fetch_add(1, std::memory_order_relaxed);
  RecordLatency(enqueue_latency);
}

void ReceiverStats::RecordLatency(std::chrono::microseconds latency) {
  const uint64_t us = static_cast<uint64_t>(latency.count() < 0 ? 0 : latency.count());
  enqueue_count_.fetch_add(1, std::memory_order_relaxed);
  enqueue_micros_sum_.fetch_add(us, std::memory_order_relaxed);
  uint64_t max = enqueue_micros_max_.load(std::memory_order_relaxed);
  while (us > max && !enqueue_micros_max_.compare_exchange_weak(max, us)) {
  }
}

ReceiverStats::Snapshot ReceiverStats::Take(bool reset_max) {
  Snapshot s;
  s.accepted = accepted_.load(std::memory_order_relaxed);
  s.rejected = rejected_.load(std::memory_order_relaxed);
  s.shed = shed_.load(std::memory_order_relaxed);
  s.failed = failed_.load(std::memory_order_relaxed);
  s.reports = reports_.load(std::memory_order_relaxed);
  s.enqueue_count = enqueue_count_.load(std::memory_order_relaxed);
  s.enqueue_micros_sum = enqueue_micros_sum_.load(std::memory_order_relaxed);
  s.enqueue_micros_max = reset_max ? enqueue_micros_max_.exchange(0)
                                   : enqueue_micros_max_.load(std::memory_order_relaxed);
  return s;
}

std::string ReceiverStats::LogLine(const Snapshot& before, const Snapshot& after, double seconds) {
  const uint64_t n = after.enqueue_count - before.enqueue_count;
  const double avg_ms =
      n == 0 ? 0.0 : (after.enqueue_micros_sum - before.enqueue_micros_sum) / 1000.0 / n;
  const double rate = seconds > 0 ? (after.reports - before.reports) / seconds : 0.0;
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "uploads accepted=%llu rejected=%llu shed=%llu failed=%llu, reports/s=%.0f, "
                "enqueue ms avg=%.2f max=%.2f",
                static_cast<unsigned long long>(after.accepted - before.accepted),
                static_cast<unsigned long long>(after.rejected - before.rejected),
                static_cast<unsigned long long>(after.shed - before.shed),
                static_cast<unsigned long long>(after.failed - before.failed), rate, avg_ms,
                after.enqueue_micros_max / 1000.0);
  return buf;
}

}  // namespace roadsense::receiver
