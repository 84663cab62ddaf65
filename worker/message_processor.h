// MessageProcessor: turns one ReceiveMessage result into at most one database transaction and
// says which messages may now be deleted from the queue.
//
//   decode each body (poison → logged with its id and reason, counted in poison_messages, listed
//     in `poison`: never deleted, the caller hands it back to the queue, whose redrive policy
//     moves it to the dead-letter queue after maxReceiveCount receives)
//   → drop repeats of a (pseudonym, sequence) within the result (counted once; all deleted)
//   → IngestStore::Ingest: ledger claim + TileAggregator over the claimed batches + upsert
//   → on commit every decodable message is deletable; on a database error none is (they reappear
//     after their visibility timeout and the ledger makes that harmless).
//
// Not thread-safe; one per poll loop. The store and metrics must outlive it.
#pragma once

#include <cstdint>
#include <vector>

#include "core/status.h"
#include "db/ingest_store.h"
#include "sqs/sqs_client.h"
#include "worker/worker_metrics.h"

namespace roadsense::worker {

struct ProcessResult {
  Status status;                  // the database outcome (OK when nothing needed writing)
  std::vector<size_t> deletable;  // indices into the messages passed to Process()
  std::vector<size_t> poison;     // undecodable ones (indices as above); never in `deletable`
};

class MessageProcessor {
 public:
  MessageProcessor(db::IngestStore* store, int64_t bucket_seconds, WorkerMetrics* metrics);

  ProcessResult Process(const std::vector<sqs::ReceivedMessage>& messages);

 private:
  db::IngestStore* store_;
  int64_t bucket_seconds_;
  WorkerMetrics* metrics_;
};

}  // namespace roadsense::worker
