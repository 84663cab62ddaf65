// VisibilityHeartbeat: keeps the messages of one batch invisible while a poll loop works on them.
//
// From construction until Stop() (or destruction) a thread calls ChangeMessageVisibilityBatch
// (≤ 10 entries a call) every half `visibility_timeout`, counted from `received_at`, asking for
// `visibility_timeout` seconds more each time — so a slow transaction (locks, a busy PostgreSQL)
// does not let the queue hand the same messages to another worker meanwhile.
//
// It never extends forever: an extension is made only while the messages would then stay
// invisible no longer than `max_hold_seconds` after `received_at`. Past that the heartbeat gives
// up the batch (gave_up(), counted in batches_given_up, a warning): the messages become visible
// again when the last extension runs out; the loop may still finish and commit, and the ingest
// ledger makes the redelivered copy a harmless duplicate.
//
// Failed extensions are logged and counted (visibility_extension_failures, per message); the
// heartbeat keeps trying at the next tick. visibility_timeout < 1 disables it (no thread).
// Threading: the constructor starts a thread; Stop() joins it (waiting for an extension call in
// flight). The client, metrics must outlive the heartbeat.
#pragma once

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "sqs/sqs_client.h"
#include "worker/stop_signal.h"
#include "worker/worker_metrics.h"

namespace roadsense::worker {

struct VisibilityHeartbeatOptions {
  int visibility_timeout = 30;  // seconds; the receive's timeout, requested again on every tick
  int max_hold_seconds = 600;  // after received_at, the messages are given up by then at the latest
};

class VisibilityHeartbeat {
 public:
  VisibilityHeartbeat(sqs::SqsClient* client, std::string queue_url,
                      std::vector<std::string> receipt_handles,
                      std::chrono::steady_clock::time_point received_at,
                      VisibilityHeartbeatOptions options, WorkerMetrics* metrics);
  ~VisibilityHeartbeat();
  VisibilityHeartbeat(const VisibilityHeartbeat&) = delete;
  VisibilityHeartbeat& operator=(const VisibilityHeartbeat&) = delete;

  // No extension call starts after this returns. Idempotent.
  void Stop();
  bool gave_up() const { return gave_up_.load(std::memory_order_acquire); }

 private:
  void Run();
  void Extend();

  sqs::SqsClient* client_;
  std::string queue_url_;
  std::vector<std::string> receipt_handles_;
  std::chrono::steady_clock::time_point received_at_;
  VisibilityHeartbeatOptions options_;
  WorkerMetrics* metrics_;
  StopSignal stop_;
  std::atomic<bool> gave_up_{false};
  std::thread thread_;  // last: started once the members above exist
};

}  // namespace roadsense::worker
