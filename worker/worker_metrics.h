// WorkerMetrics: process-wide counters of the worker, updated by every poll loop and read by
// the throughput logger and GET /metrics (PrometheusText). Thread-safe (relaxed atomics; values
// are for logs and dashboards, not for control). worker/README.md explains how an operator sizes
// the worker tier from them.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

namespace roadsense::worker {

struct WorkerMetrics {
  std::atomic<int64_t> messages_received{0};
  std::atomic<int64_t> batches_committed{0};  // new batches aggregated and committed
  std::atomic<int64_t> batches_duplicate{0};  // already in the ledger, or twice in one receive
  std::atomic<int64_t> poison_messages{0};    // undecodable receives; left for the redrive policy
  std::atomic<int64_t> reports{0};            // placed reports of committed batches
  std::atomic<int64_t> unplaced_reports{0};   // reports without a position
  std::atomic<int64_t> tiles_upserted{0};     // tile_stats rows written
  std::atomic<int64_t> database_errors{0};
  std::atomic<int64_t> queue_errors{0};  // failed receive, delete or poison-backoff calls
  std::atomic<int64_t> messages_deleted{0};
  std::atomic<int64_t> visibility_extensions{0};          // messages whose extension succeeded
  std::atomic<int64_t> visibility_extension_failures{0};  // messages whose extension failed
  std::atomic<int64_t> batches_given_up{0};  // held past --max-hold-seconds: extensions stopped
  std::atomic<int64_t> commits{0};           // ingest transactions attempted to the end
  std::atomic<int64_t> commit_us{0};         // their summed duration (claim → commit), µs
  std::atomic<int64_t> commit_messages{0};   // messages handed to those transactions
  std::atomic<int64_t> claim_reruns{0};      // of those, rerun because a batch was claimed already
  std::atomic<int64_t> busy_us{0};           // poll loops' time outside ReceiveMessage waits
  std::atomic<int64_t> oldest_message_age_ms{0};  // in the latest receive (SentTimestamp → now)
  int poll_loops = 0;                             // set once at start-up

  // Prometheus text exposition format 0.0.4 of everything above.
  std::string PrometheusText() const;
};

}  // namespace roadsense::worker
