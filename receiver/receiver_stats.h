// ReceiverStats: counters the receiver logs every ~10 s (uploads accepted/rejected/shed/failed,
// reports per second, enqueue latency). Record*() are lock-free and thread-safe; Snapshot() reads
// a (not perfectly consistent) copy, and LogLine() formats the change between two snapshots.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

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

  void RecordAccepted(uint64_t reports, std::chrono::microseconds enqueue_latency);
  void RecordRejected() { rejected_.fetch_add(1, std::memory_order_relaxed); }
  void RecordShed() { shed_.fetch_add(1, std::memory_order_relaxed); }
  void RecordFailed(std::chrono::microseconds enqueue_latency);

  // Reads the counters; resets the latency maximum when `reset_max`.
  Snapshot Take(bool reset_max);

  // "uploads accepted=… rejected=… shed=… failed=…, reports/s=…, enqueue ms avg=… max=…" for the
  // interval between `before` and `after`, which lasted `seconds`.
  static std::string LogLine(const Snapshot& before, const Snapshot& after, double seconds);

 private:
  void RecordLatency(std::chrono::microseconds latency);

  std::atomic<uint64_t> accepted_{0};
  std::atomic<uint64_t> rejected_{0};
  std::atomic<uint64_t> shed_{0};
  std::atomic<uint64_t> failed_{0};
  std::atomic<uint64_t> reports_{0};
  std::atomic<uint64_t> enqueue_count_{0};
  std::atomic<uint64_t> enqueue_micros_sum_{0};
  std::atomic<uint64_t> enqueue_micros_max_{0};
};

}  // namespace roadsense::receiver
