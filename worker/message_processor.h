// MessageProcessor: turns one ReceiveMessage result into at most one database transaction and
// says which messages may now be deleted from the queue. Two steps, so that a poll loop can
// decode the next group while the current group's transaction runs:
//
//   Prepare (no database access):
//     decode each body into its uploads (one or more QueuedBatch: UploadScanner for the plain
//       encoding every serializer writes, protobuf parsing for anything else, with the same
//       result; queued_batch_decoder.h, upload_scanner.h; a body
//       or any upload in it that fails makes the whole message poison → logged with its id and
//       reason, counted in poison_messages, listed in `poison`: never deleted, the caller hands
//       it back to the queue, whose redrive policy moves it to the dead-letter queue after
//       maxReceiveCount receives)
//     → drop repeats of a (pseudonym, sequence) across all uploads of the group, in the same
//       message or another (counted once; all their messages deleted)
//     → aggregate every remaining upload, assuming the ledger will find them all new (the normal
//       case: an upload is delivered once)
//   Commit:
//     IngestStore::Ingest: ledger claim + the prepared aggregates — or, when the claim finds some
//       batch already counted (redelivery) or the transaction is rerun, TileAggregator over
//       exactly the claimed batches again — + upsert
//     → on commit every decodable message is deletable; on a database error none is (they
//       reappear after their visibility timeout and the ledger makes that harmless).
//
// Threading: one per poll loop. Prepare() is const and may run on another thread while Commit()
// runs (it only reads bucket_seconds and counts in the thread-safe metrics); Commit() on one
// thread at a time. The store and metrics must outlive it; the store may be null for a processor
// that only Prepare()s (tests, fuzz/queued_uploads_fuzzer.cc), since Prepare never touches it.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/status.h"
#include "db/ingest_store.h"
#include "schema/roadsense.pb.h"
#include "sqs/sqs_client.h"
#include "worker/worker_metrics.h"

namespace roadsense::worker {

struct ProcessResult {
  Status status;                  // the database outcome (OK when nothing needed writing)
  std::vector<size_t> deletable;  // indices into the messages passed to Process()
  std::vector<size_t> poison;     // undecodable ones (indices as above); never in `deletable`
};

// Where a group's upload is: the index of its message (among those given to Prepare), and its
// index among that message's uploads.
struct UploadRef {
  uint32_t message = 0;
  int upload = 0;
};

// A receive decoded and aggregated by MessageProcessor::Prepare, waiting for Commit. Move-only.
// The uploads were read one message at a time and aggregated at once; nothing of them is kept
// but where each one is: the rare transaction that must aggregate a subset again decodes those
// messages' bodies a second time (VisitEntryBatches), which the caller holds until Commit.
struct PreparedGroup {
  size_t messages = 0;
  std::vector<size_t> valid;             // indices of the messages whose uploads all decoded
  std::vector<size_t> poison;            // undecodable ones
  std::vector<db::LedgerEntry> entries;  // one per distinct upload key; message_id: its message's
  std::vector<UploadRef> uploads;        // uploads[i]: where entries[i]'s upload is
  db::MapDelta delta;  // the aggregates of every entry; moved out by the first transaction
  bool delta_taken = false;
  int64_t placed_reports = 0;  // of `delta`
  int64_t unplaced_reports = 0;
};

// Calls visit(i, batch) for every entry i of `group`, in order, with its upload's report batch,
// decoded again from the body of its message in `messages` (each body once), which must be the
// messages `group` was prepared from. The batch is valid only during the call. False when a body
// no longer decodes, which a group made by Prepare from these messages never does.
bool VisitEntryBatches(const PreparedGroup& group,
                       const std::vector<sqs::ReceivedMessage>& messages,
                       const std::function<void(size_t, const v1::ReportBatch&)>& visit);

class MessageProcessor {
 public:
  MessageProcessor(db::IngestStore* store, int64_t bucket_seconds, WorkerMetrics* metrics);

  // Decodes and aggregates; touches no database.
  PreparedGroup Prepare(const std::vector<sqs::ReceivedMessage>& messages) const;
  // The transaction of a prepared group (see the file comment). `messages` are those it was
  // prepared from, bodies included (read again only in the rare transaction that must aggregate
  // some of its uploads again).
  ProcessResult Commit(PreparedGroup group, const std::vector<sqs::ReceivedMessage>& messages);
  // Commit(Prepare(messages), messages).
  ProcessResult Process(const std::vector<sqs::ReceivedMessage>& messages);

 private:
  db::IngestStore* store_;
  int64_t bucket_seconds_;
  WorkerMetrics* metrics_;
};

}  // namespace roadsense::worker
