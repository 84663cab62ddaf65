// PollLoop: one worker thread's receive → process → delete cycle against one queue and its own
// PostgreSQL connection.
//
//   ensure the database connection (back off while PostgreSQL is down; receive nothing then)
//   → ReceiveMessage (up to 10, long poll; while a receive comes back full, more receives without
//     waiting, up to max_messages_per_commit) → MessageProcessor (one transaction for all)
//   → DeleteMessageBatch for what the processor marked deletable; poison messages are made
//     visible again after PoisonBackoffSeconds (ChangeMessageVisibilityBatch), never deleted:
//     the queue's redrive policy moves them to its dead-letter queue.
//
// While the batch is processed and committed a VisibilityHeartbeat extends the messages'
// visibility every half timeout (up to max_hold_seconds), so a slow commit is not redelivered to
// another worker meanwhile; it stops once the transaction is over, before the deletes.
//
// Why several receives per transaction: PostgreSQL's work grows with the tile rows a commit
// touches, not with its reports; one commit over 1000 messages touches far fewer rows per report
// (and pays one commit, one ledger claim, one round trip) than 100 over 10 each. The bodies held
// are capped too (max_body_bytes_per_commit): a body may be up to 1 MiB.
//
// Messages that were not committed are never deleted; they reappear after the visibility timeout
// and the ingest ledger absorbs the repeat. Run() returns once `stop` is set and the in-flight
// receive (at most wait_seconds) and its batch are finished.
// Threading: Run() on one thread; the client and metrics are shared and thread-safe.
#pragma once

#include <cstddef>
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
  int visibility_timeout = 30;         // seconds, requested on every ReceiveMessage
  int wait_seconds = 20;               // long-poll wait
  int max_messages_per_commit = 1000;  // receives of 10 gathered into one transaction
  int64_t max_body_bytes_per_commit = int64_t{64} << 20;  // gathering stops at this many bytes
  int max_hold_seconds = 600;       // visibility extensions stop this long after the receive
  int poison_backoff_seconds = 30;  // poison invisible base × 2^(receive count − 1) seconds
};

// Whether to receive again (without waiting) before processing what is held: the last receive
// came back full (`full` messages: more are waiting), one more full receive stays within
// max_messages_per_commit, and the bodies held are below max_body_bytes_per_commit.
bool ShouldReceiveMore(size_t last_received, size_t full, size_t held_messages, int64_t held_bytes,
                       const PollLoopOptions& options);

class PollLoop {
 public:
  PollLoop(sqs::SqsClient* client, PollLoopOptions options, WorkerMetrics* metrics);

  void Run(const StopSignal& stop);

 private:
  void Delete(const std::vector<sqs::ReceivedMessage>& messages,
              const std::vector<size_t>& indices);
  // Poison back to the queue after its backoff: not hot-looped, dead-lettered by the queue.
  void BackOffPoison(const std::vector<sqs::ReceivedMessage>& messages,
                     const std::vector<size_t>& indices);

  sqs::SqsClient* client_;
  PollLoopOptions options_;
  WorkerMetrics* metrics_;
};

}  // namespace roadsense::worker
