// RetentionPruner: keeps the time partitions of ingest_ledger (db/README.md, "Partitioning") and
// enforces retention. Every round it creates the ledger's daily partitions ahead (from the
// oldest day a receiver still accepts to a few days ahead), then drops whole partitions past the
// ledger horizon, and deletes the few rows outside partitions (the default partition, the
// pre-partitioning legacy table) and old map rows in small batches, so pruning never holds many
// locks or bloats one transaction. Each step is its own transaction that first takes a
// transaction-level advisory lock with pg_try_advisory_xact_lock; when another worker process is
// pruning at the same moment this one skips the round (no contention, no deadlocks). Partition
// DDL waits at most 2 s for its table lock (ingest transactions are short); on timeout the round
// is skipped and the next one tries again.
//
// Safety (ledger): a ledger row may only go once no copy of its batch can still arrive — its
// batch_time must be older than the receiver's max report age plus the queue's message
// retention (db/README.md, "Retention"). Map rows are history only; their retention is a product
// decision (0 = keep).
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
  int64_t ledger_partitions_created = 0;
  int64_t ledger_partitions_dropped = 0;
  int64_t ledger_rows = 0;  // deleted row by row: default partition and legacy table
  int64_t map_rows = 0;
  bool skipped = false;  // another process held the pruning lock, or a partition lock timed out
};

class RetentionPruner {
 public:
  explicit RetentionPruner(std::string connection_string);
  ~RetentionPruner();
  RetentionPruner(const RetentionPruner&) = delete;
  RetentionPruner& operator=(const RetentionPruner&) = delete;

  // One pruning round: creates the ledger partitions ahead, then drops / deletes everything older
  // than the policy's horizons.
  // kUnavailable when PostgreSQL cannot be reached, kInternal for other database errors.
  Result<PruneOutcome> Prune(const RetentionPolicy& policy);

 private:
  // Deletes up to batch_rows rows of `table` whose `column` is older than `hours`; returns the
  // count, or -1 when the pruning lock is held elsewhere.
  int64_t DeleteBatch(const std::string& table, const std::string& column, int64_t hours,
                      int64_t batch_rows);

  // Runs `sql` (returning one integer) in a transaction under the pruning lock, waiting at most
  // 2 s for table locks; -1 when the pruning lock or a table lock was not available.
  int64_t RunLocked(const std::string& sql);

  std::string connection_string_;
  std::unique_ptr<pqxx::connection> connection_;
};

}  // namespace roadsense::db
