#include "db/retention_pruner.h"

#include <pqxx/except>
#include <pqxx/transaction>
#include <utility>

namespace roadsense::db {
namespace {

// Advisory lock key shared by every worker's pruner ("rsprune").
constexpr int64_t kPruneLockKey = 0x7273707275;

// Ledger partitions exist from this far back (the receiver's default --max-report-age-s is 7
// days; older batches land in the default partition) to this far ahead (a pruning round that
// fails for days still leaves tomorrow's partition in place).
constexpr int kPartitionDaysBack = 8;
constexpr int kPartitionDaysAhead = 3;

bool IsLockNotAvailable(const pqxx::sql_error& e) { return e.sqlstate() == "55P03"; }

}  // namespace

RetentionPruner::RetentionPruner(std::string connection_string)
    : connection_string_(std::move(connection_string)) {}

RetentionPruner::~RetentionPruner() = default;

int64_t RetentionPruner::DeleteBatch(const std::string& table, const std::string& column,
                                     int64_t hours, int64_t batch_rows) {
  pqxx::work txn(*connection_, "prune");
  if (!txn.exec1("SELECT pg_try_advisory_xact_lock(" + std::to_string(kPruneLockKey) + ")")[0]
           .as<bool>()) {
    return -1;
  }
  // ctid batch: bounded work per transaction; the time index finds the candidates.
  const pqxx::result r =
      txn.exec("DELETE FROM " + table + " WHERE ctid = ANY(ARRAY(SELECT ctid FROM " + table +
               " WHERE " + column + " < now() - " + std::to_string(hours) +
               " * interval '1 hour' LIMIT " + std::to_string(batch_rows) + "))");
  txn.commit();
  return static_cast<int64_t>(r.affected_rows());
}

int64_t RetentionPruner::RunLocked(const std::string& sql) {
  try {
    pqxx::work txn(*connection_, "partitions");
    if (!txn.exec1("SELECT pg_try_advisory_xact_lock(" + std::to_string(kPruneLockKey) + ")")[0]
             .as<bool>()) {
      return -1;
    }
    txn.exec("SET LOCAL lock_timeout = '2s'");
    const int64_t n = txn.exec1(sql)[0].as<int64_t>();
    txn.commit();
    return n;
  } catch (const pqxx::sql_error& e) {
    if (IsLockNotAvailable(e)) return -1;
    throw;
  }
}

Result<PruneOutcome> RetentionPruner::Prune(const RetentionPolicy& policy) {
  try {
    if (connection_ == nullptr || !connection_->is_open()) {
      connection_ = std::make_unique<pqxx::connection>(connection_string_);
    }
    PruneOutcome outcome;
    const int64_t created =
        RunLocked("SELECT create_daily_partitions('ingest_ledger', now() - interval '" +
                  std::to_string(kPartitionDaysBack) + " days', now() + interval '" +
                  std::to_string(kPartitionDaysAhead) + " days')");
    if (created < 0) {
      outcome.skipped = true;
      return outcome;
    }
    outcome.ledger_partitions_created = created;
    if (policy.ledger_hours > 0) {
      const int64_t dropped =
          RunLocked("SELECT drop_daily_partitions('ingest_ledger', now() - " +
                    std::to_string(policy.ledger_hours) + " * interval '1 hour')");
      if (dropped < 0) {
        outcome.skipped = true;
        return outcome;
      }
      outcome.ledger_partitions_dropped = dropped;
    }
    struct Target {
      const char* table;
      const char* column;
      int64_t hours;
      int64_t* counter;
    };
    const Target targets[] = {
        // Rows outside the daily partitions: same horizon, deleted row by row.
        {"ingest_ledger_default", "batch_time", policy.ledger_hours, &outcome.ledger_rows},
        {"ingest_ledger_legacy", "processed_at", policy.ledger_hours, &outcome.ledger_rows},
        {"tile_stats", "bucket_start", policy.map_hours, &outcome.map_rows},
        {"hazard_clusters", "expires_at", policy.map_hours, &outcome.map_rows},
        {"speed_limit_votes", "last_seen", policy.map_hours, &outcome.map_rows},
    };
    for (const Target& t : targets) {
      if (t.hours <= 0) continue;
      for (;;) {
        const int64_t deleted = DeleteBatch(t.table, t.column, t.hours, policy.batch_rows);
        if (deleted < 0) {
          outcome.skipped = true;
          return outcome;
        }
        *t.counter += deleted;
        if (deleted < policy.batch_rows) break;
      }
    }
    return outcome;
  } catch (const pqxx::broken_connection& e) {
    connection_.reset();
    return Unavailable(std::string("prune: ") + e.what());
  } catch (const std::exception& e) {
    const bool lost = connection_ == nullptr || !connection_->is_open();
    if (lost) connection_.reset();
    return Status(lost ? StatusCode::kUnavailable : StatusCode::kInternal,
                  std::string("prune: ") + e.what());
  }
}

}  // namespace roadsense::db
