// PollLoop: one worker thread's receive → process → delete cycle against one queue and its own
// PostgreSQL connection.
//
//   ensure the database connection (back off while PostgreSQL is down; receive nothing then)
//   → ReceiveMessage (up to 10, long poll) → MessageProcessor (one transaction)
//   → DeleteMessageBatch for what the processor marked deletable.
//
// Messages that were not committed are never deleted; they reappear after the visibility timeout
// and the ingest ledger absorbs the repeat. Run() returns once `stop` is set and the in-flight
// receive (at most wait_seconds) and its batch are finished.
// Threading: Run() on one thread; the client and metrics are shared and thread-safe.
#pragma once

#include <cstdint>
#include <string>

#include "sqs/sqs_client.h"
#include "worker/stop_signal.h"
#include "worker/worker_metrics.h"

namespace roadsense::worker {

struct PollLoopOptions {
  std::string queue_url;
  std::string db_connection;  // libpq connection string
  int64_t bucket_seconds = 300;
  int visibility_timeout = 30;  // seconds, requested on every ReceiveMessage
  int wait_seconds = 20;        // long-poll wait
};

class PollLoop {
 public:
  PollLoop(sqs::SqsClient* client, PollLoopOptions options, WorkerMetrics* metrics);

  void Run(const StopSignal& stop);

 private:
  void Delete(const std::vector<sqs::ReceivedMessage>& messages,
              const std::vector<size_t>& indices);

  sqs::SqsClient* client_;
  PollLoopOptions options_;
  WorkerMetrics* metrics_;
};

}  // namespace roadsense::worker
