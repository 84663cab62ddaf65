// IngestLedger: the idempotency ledger (table ingest_ledger, partitioned by day of batch_time). A
// batch is claimed by inserting its key in the same transaction as its tile_stats updates; a key
// that is already present (or being inserted by another uncommitted transaction, which the
// insert then waits for) is a duplicate; so is a key in ingest_ledger_legacy (rows from before
// partitioning, migration 0005).
//
// Two ways to claim, with the same result when they succeed. kSkipExisting inserts with
// ON CONFLICT DO NOTHING, which PostgreSQL runs as a speculative insertion: an index probe, the
// insert, then a confirmation record, for every row. kExpectNew is a plain INSERT, which costs
// about half as much per row (db/README.md, "Claiming") but throws pqxx::unique_violation when
// a key is already there; the transaction is then aborted and must be rerun with kSkipExisting.
// Most groups hold only new batches, so the caller tries kExpectNew first (IngestStore).
//
// Functions take the caller's transaction and throw libpqxx exceptions (the caller converts them
// to Status at its boundary). Prepare() must have run on the transaction's connection; it reads
// once whether ingest_ledger_legacy holds rows (nothing writes there any more, so once empty it
// stays empty) and leaves the legacy probe out of the claim when it is empty.
#pragma once

#include <compare>
#include <cstdint>
#include <pqxx/connection>
#include <pqxx/transaction>
#include <string>
#include <vector>

namespace roadsense::db {

// (vehicle_pseudonym, batch_sequence): the batch's idempotency key.
struct BatchKey {
  std::string vehicle_pseudonym;
  int64_t batch_sequence = 0;
  auto operator<=>(const BatchKey&) const = default;
};

struct LedgerEntry {
  BatchKey key;
  // The batch's earliest report observed_time_ms (BatchTimeMs): the ledger's partition key. A
  // function of the batch's content, so every copy of the batch carries the same value and
  // meets its own row in the same partition (db/README.md, "Partitioning").
  int64_t batch_time_ms = 0;
  std::string message_id;  // informational; not part of the key
};

enum class ClaimMode {
  kExpectNew,     // plain INSERT: pqxx::unique_violation if any key is already in ingest_ledger
  kSkipExisting,  // INSERT ... ON CONFLICT DO NOTHING: a key already there is a duplicate
};

class IngestLedger {
 public:
  static void Prepare(pqxx::connection_base& connection);

  // Inserts the entries' keys in key order (so concurrent claimers never deadlock) and returns,
  // for each entry in the given order, whether this transaction claimed it (true) or it was
  // already there (false; with kExpectNew only a key in ingest_ledger_legacy can be). Keys must
  // be distinct.
  static std::vector<bool> Claim(pqxx::work& txn, const std::vector<LedgerEntry>& entries,
                                 ClaimMode mode);
};

}  // namespace roadsense::db
