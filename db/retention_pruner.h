// RetentionPruner: deletes old ledger and map rows in small batches, so pruning never holds many
// locks or bloats one transaction. Each batch is its own transaction that first takes a
// transaction-level advisory lock with pg_try_advisory_xact_lock; when another worker process is
// pruning at the same moment this one skips the round (no contention, no deadlocks).
//
// Safety (ledger): a ledger row may only go once no copy of its batch can still arrive — it
// must outlive the queue's message retention plus the cars' retry horizon (db/README.md,
// "Retention"). Map rows are history only; their retention is a product decision (0 = keep).
//
// Threading: not thread-safe; owns its own connection (one per pruning thread).
#pragma once

#include <cstdint>
#include <memory>
#include <pqxx/connection>
#include <string>

#include "core/status.h"

namespace roadsense::db {

struct RetentionPolicy {
  int64_t ledger_hours = 0;  // ingest_ledger rows processed longer ago; 0 = keep forever
  int64_t map_hours = 0;  // tile_stats buckets, expired hazards, stale speed-limit votes; 0 = keep
  int64_t batch_rows = 1000;  // rows per delete transaction
};

struct PruneOutcome {
  int64_t ledger_rows = 0;
  int64_t map_rows = 0;
  bool skipped = false;  // another process held the pruning lock
};

class RetentionPruner {
 public:
  explicit RetentionPruner(std::string connection_string);
  ~RetentionPruner();
  RetentionPruner(const RetentionPruner&) = delete;
  RetentionPruner& operator=(const RetentionPruner&) = delete;

  // One pruning round: deletes everything older than the policy's horizons, batch by batch.
  // kUnavailable when PostgreSQL cannot be reached, kInternal for other database errors.
  Result<PruneOutcome> Prune(const RetentionPolicy& policy);

 private:
  // Deletes up to batch_rows rows of `table` whose `column` is older than `hours`; returns the
  // count, or -1 when the pruning lock is held elsewhere.
  int64_t DeleteBatch(const std::string& table, const std::string& column, int64_t hours,
                      int64_t batch_rows);

  std::string connection_string_;
  std::unique_ptr<pqxx::connection> connection_;
};

}  // namespace roadsense::db
