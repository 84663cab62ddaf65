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
// The three stages overlap (a pipeline of depth one each side): while a transaction runs, a
// helper thread already receives, decodes and aggregates the next group of messages
// (MessageProcessor::Prepare), and the deletes of a committed group run on another helper thread
// while the next group is committed. So the queue, the
// worker's CPU and PostgreSQL work at the same time instead of taking turns. Exactly-once is
// untouched: a group's deletes start only after its commit returned, and at most one group's
// deletes are in flight (the next deletes wait for them), which bounds how long a committed
// group waits for its delete.
//
// From its first receive until its transaction is over, a VisibilityHeartbeat extends the group's
// visibility every half timeout (up to max_hold_seconds) — also while a prefetched group waits
// for the transaction before it — so a slow commit is not redelivered to another worker
// meanwhile; it stops once the transaction is over, before the deletes.
//
// Why several receives per transaction: PostgreSQL's work grows with the tile rows a commit
// touches, not with its reports; one commit over 1000 messages touches far fewer rows per report
// (and pays one commit, one ledger claim, one round trip) than 100 over 10 each. The bodies held
// are capped too (max_body_bytes_per_commit), and with packed messages (many uploads in a body of
// up to 64 KiB, or 1 MiB) that cap is what binds; with the prefetch a poll loop holds at most two
// groups. A group gathers only while the transaction before it runs (group commit): the first
// group of a backlog is one receive and commits at once, the next gathers for as long as that
// commit takes, and so on, so under a standing backlog groups grow to the caps, while a group
// never waits for receives that no transaction is there to overlap.
//
// Messages that were not committed are never deleted; they reappear after the visibility timeout
// and the ingest ledger absorbs the repeat. No receive starts while PostgreSQL is known to be
// down (the prefetch starts only on a live connection; a group prefetched just before a failed
// transaction is processed after the back-off like any other). Run() returns once `stop` is set
// and the in-flight receives (at most wait_seconds), the groups they brought and their deletes are
// finished.
// Threading: Run() on one thread (it starts and joins its helper threads itself); the client and
// metrics are shared and thread-safe.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "sqs/sqs_client.h"
#include "worker/message_processor.h"
#include "worker/stop_signal.h"
#include "worker/visibility_heartbeat.h"
#include "worker/worker_metrics.h"

namespace roadsense::worker {

struct PollLoopOptions {
  std::string queue_url;
  std::string db_connection;  // libpq connection string
  int64_t bucket_seconds = 300;
  int visibility_timeout = 30;         // seconds, requested on every ReceiveMessage
  int wait_seconds = 20;               // long-poll wait
  int max_messages_per_commit = 3000;  // receives of 10 gathered into one transaction
  int64_t max_body_bytes_per_commit = int64_t{16} << 20;  // gathering stops at this many bytes
  int max_hold_seconds = 600;       // visibility extensions stop this long after the receive
  int poison_backoff_seconds = 30;  // poison invisible base × 2^(receive count − 1) seconds
  // ReceiveMessage calls at a time while gathering a group, DeleteMessageBatch calls at a time
  // while deleting one (each on its own connection; 1 = one after the other).
  int queue_calls_in_flight = 4;
};

// Whether to receive again (without waiting) before processing what is held: the last receive
// came back full (`full` messages: more are waiting), one more full receive stays within
// max_messages_per_commit, and the bodies held are below max_body_bytes_per_commit.
bool ShouldReceiveMore(size_t last_received, size_t full, size_t held_messages, int64_t held_bytes,
                       const PollLoopOptions& options);

// After a full first receive (`*messages`): more receives (`receive`: one ReceiveMessage without
// waiting) appended to *messages while ShouldReceiveMore holds and `busy` (when given) says the
// previous group's transaction is still running, up to options.queue_calls_in_flight at a time,
// each in flight counted as a full receive against the caps. Gathering ends at the first receive
// that is not full or fails (what is held is kept), and no receive starts once `busy` is false.
void GatherFullReceives(std::vector<sqs::ReceivedMessage>* messages, size_t full,
                        const std::function<Result<std::vector<sqs::ReceivedMessage>>()>& receive,
                        const PollLoopOptions& options, const std::function<bool()>& busy = {});

class PollLoop {
 public:
  PollLoop(sqs::SqsClient* client, PollLoopOptions options, WorkerMetrics* metrics);

  void Run(const StopSignal& stop);

 private:
  // One transaction's worth of messages, from its first receive until its deletes, with the
  // heartbeat that keeps them invisible meanwhile (null when `messages` is empty).
  struct HeldMessages {
    std::vector<sqs::ReceivedMessage> messages;
    std::unique_ptr<VisibilityHeartbeat> heartbeat;
    PreparedGroup prepared;  // of `messages`
  };

  // ReceiveMessage with `wait_seconds` long poll, then more receives without waiting while they
  // come back full and *committing (the previous group's transaction runs; GatherFullReceives);
  // starts the group's heartbeat and prepares the group (`processor`.Prepare). The error is the
  // first receive's; a later failure ends the gathering with what is held.
  Result<HeldMessages> Receive(const MessageProcessor& processor,
                               const std::atomic<bool>& committing) const;
  // After the group's transaction: deletes what `result` marked deletable and backs off poison.
  void Finish(const std::vector<sqs::ReceivedMessage>& messages, const ProcessResult& result);
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
