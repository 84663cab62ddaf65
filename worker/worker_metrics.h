// WorkerMetrics: process-wide counters of the worker, updated by every poll loop and read by
// the throughput logger. Thread-safe (relaxed atomics; values are for logs, not for control).
#pragma once

#include <atomic>
#include <cstdint>

namespace roadsense::worker {

struct WorkerMetrics {
  std::atomic<int64_t> messages_received{0};
  std::atomic<int64_t> batches_committed{0};  // new batches aggregated and committed
  std::atomic<int64_t> batches_duplicate{0};  // already in the ledger, or twice in one receive
  std::atomic<int64_t> poison_messages{0};    // undecodable; deleted without processing
  std::atomic<int64_t> reports{0};            // placed reports of committed batches
  std::atomic<int64_t> unplaced_reports{0};   // reports without a position
  std::atomic<int64_t> tiles_upserted{0};     // tile_stats rows written
  std::atomic<int64_t> database_errors{0};
  std::atomic<int64_t> queue_errors{0};  // failed receive or delete calls
  std::atomic<int64_t> messages_deleted{0};
};

}  // namespace roadsense::worker
