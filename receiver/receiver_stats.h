// ReceiverStats: the receiver's counters and histograms. Feeds the ~10 s log line (LogLine()) and
// GET /metrics (AppendPrometheus(), Prometheus text format; metric names in README.md).
//
// Threading: every Record*() is thread-safe and lock-free except RecordRejected() (a mutex around
// a small map of reasons; rejections are the rare path). Take() reads a (not perfectly
// consistent) copy of the counters.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <span>
#include <string>
#include <string_view>

#include "core/prometheus_histogram.h"

namespace roadsense::receiver {

class ReceiverStats {
 public:
  struct Snapshot {
    uint64_t accepted = 0;  // uploads answered 200
    uint64_t rejected = 0;  // uploads answered 4xx
    uint64_t shed = 0;      // uploads refused with 503 because too many were waiting
    uint64_t failed = 0;    // uploads answered 503 because the queue did not store them
    uint64_t reports = 0;   // reports in accepted uploads
    uint64_t enqueue_count = 0;
    uint64_t enqueue_micros_sum = 0;  // time from handing to the enqueuer to its callback
    uint64_t enqueue_micros_max = 0;  // since the last ResetMax()
  };

  ReceiverStats();

  void RecordAccepted(uint64_t reports, std::chrono::microseconds enqueue_latency);
  // An upload answered 4xx; `reason` is the error code of the answer ("invalid_request", ...),
  // `reports` the number of reports in it when it could be decoded (else 0).
  void RecordRejected(std::string_view reason, uint64_t reports = 0);
  void RecordShed() { shed_.fetch_add(1, std::memory_order_relaxed); }
  void RecordFailed(std::chrono::microseconds enqueue_latency);
  // Any HTTP answer the handler gave, by status code.
  void RecordResponse(int status);
  // One SendMessageBatch call: the number of uploads packed into each of its messages.
  void RecordQueueBatch(std::span<const size_t> uploads_per_entry);

  // Reads the counters; resets the latency maximum when `reset_max`.
  Snapshot Take(bool reset_max);

  // "uploads accepted=… rejected=… shed=… failed=…, reports/s=…, enqueue ms avg=… max=…" for the
  // interval between `before` and `after`, which lasted `seconds`.
  static std::string LogLine(const Snapshot& before, const Snapshot& after, double seconds);

  // Appends every counter and histogram in the Prometheus text exposition format.
  void AppendPrometheus(std::string* out) const;

 private:
  static constexpr int kMinStatus = 100;
  static constexpr int kMaxStatus = 599;

  void RecordLatency(std::chrono::microseconds latency);

  std::atomic<uint64_t> accepted_{0};
  std::atomic<uint64_t> rejected_{0};
  std::atomic<uint64_t> shed_{0};
  std::atomic<uint64_t> failed_{0};
  std::atomic<uint64_t> reports_{0};
  std::atomic<uint64_t> enqueue_count_{0};
  std::atomic<uint64_t> enqueue_micros_sum_{0};
  std::atomic<uint64_t> enqueue_micros_max_{0};
  std::array<std::atomic<uint64_t>, kMaxStatus - kMinStatus + 1> responses_{};
  PrometheusHistogram enqueue_latency_us_;
  PrometheusHistogram batch_entries_;
  PrometheusHistogram message_uploads_;

  mutable std::mutex rejected_mu_;
  struct Rejections {
    uint64_t uploads = 0;
    uint64_t reports = 0;
  };
  std::map<std::string, Rejections, std::less<>> rejected_by_reason_;  // guarded by rejected_mu_
};

}  // namespace roadsense::receiver
