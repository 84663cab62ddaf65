#include "db/ingest_store.h"

#include <spdlog/spdlog.h>

#include <pqxx/connection>
#include <pqxx/except>
#include <pqxx/transaction>

#include "db/hazard_cluster_writer.h"
#include "db/migration_runner.h"
#include "db/speed_limit_vote_writer.h"
#include "db/statement_batch.h"
#include "db/tile_change_notifier.h"
#include "db/tile_stats_writer.h"

namespace roadsense::db {
namespace {

constexpr int kMaxAttempts = 5;

}  // namespace

IngestStore::IngestStore(std::string connection_string)
    : connection_string_(std::move(connection_string)) {}

IngestStore::~IngestStore() = default;

bool IngestStore::connected() const { return connection_ != nullptr && connection_->is_open(); }

Status IngestStore::Connect() {
  if (connected()) return Status::Ok();
  connection_.reset();
  try {
    auto connection = std::make_unique<pqxx::connection>(connection_string_);
    IngestLedger::Prepare(*connection);
    TileStatsWriter::Prepare(*connection);
    HazardClusterWriter::Prepare(*connection);
    SpeedLimitVoteWriter::Prepare(*connection);
    TileChangeNotifier::Prepare(*connection);
    connection_ = std::move(connection);
    return Status::Ok();
  } catch (const std::exception& e) {
    return Unavailable(std::string("cannot connect to PostgreSQL: ") + e.what());
  }
}

Result<int> IngestStore::Migrate() {
  RS_RETURN_IF_ERROR(Connect());
  Result<int> applied = MigrationRunner().Apply(*connection_);
  if (!applied.ok() && applied.status().code() == StatusCode::kUnavailable) connection_.reset();
  return applied;
}

Status IngestStore::Reconnect(int attempt, const std::string& error) {
  connection_.reset();
  if (attempt >= kMaxAttempts) return Unavailable("ingest: connection lost: " + error);
  spdlog::warn("ingest: connection lost ({}), reconnecting", error);
  if (Status s = Connect(); !s.ok()) {
    return Unavailable("ingest: connection lost: " + error + "; " + s.message());
  }
  return Status::Ok();
}

Result<IngestOutcome> IngestStore::Ingest(const std::vector<LedgerEntry>& entries,
                                          const AggregateFn& aggregate) {
  RS_RETURN_IF_ERROR(Connect());
  ClaimMode mode = ClaimMode::kExpectNew;
  size_t claim_reruns = 0;
  if (skip_existing_ingests_ > 0) {
    --skip_existing_ingests_;
    mode = ClaimMode::kSkipExisting;
  }
  for (int attempt = 1;; ++attempt) {
    try {
      pqxx::work txn(*connection_, "ingest");
      const std::vector<bool> claimed = IngestLedger::Claim(txn, entries, mode);
      IngestOutcome outcome;
      outcome.claim_reruns = claim_reruns;
      for (bool c : claimed) ++(c ? outcome.claimed_batches : outcome.duplicate_batches);
      if (outcome.claimed_batches > 0) {
        const MapDelta delta = aggregate(claimed);
        // Every writer locks its rows in key order and the tables in this fixed order, so
        // concurrent ingests cannot deadlock. The tile upsert is one round trip (its sketches
        // come back to be merged here), their write-back one more; the rest goes in one more.
        outcome.tiles_upserted = TileStatsWriter::Upsert(txn, delta.tiles);
        StatementBatch batch(txn);
        outcome.hazards_upserted = HazardClusterWriter::Upsert(batch, delta.hazards);
        outcome.speed_limits_upserted = SpeedLimitVoteWriter::Upsert(batch, delta.speed_limits);
        outcome.notifications = TileChangeNotifier::Notify(batch, delta);
        batch.Run();
      }
      txn.commit();
      return outcome;
    } catch (const pqxx::unique_violation& e) {
      // Only the kExpectNew claim can violate a unique key (every other statement upserts): a
      // batch is in the ledger already. The claim was the transaction's first statement, so
      // only its work is lost. Not counted as an attempt: kSkipExisting cannot end up here.
      if (mode == ClaimMode::kSkipExisting) return Internal(std::string("ingest: ") + e.what());
      mode = ClaimMode::kSkipExisting;
      skip_existing_ingests_ = kSkipExistingAfterDuplicate;
      ++claim_reruns;
      --attempt;
    } catch (const pqxx::transaction_rollback& e) {
      // Deadlock or serialization failure: the transaction was rolled back; safe to rerun.
      if (attempt >= kMaxAttempts) {
        return Internal(std::string("ingest: giving up after retries: ") + e.what());
      }
      spdlog::warn("ingest: transaction rolled back ({}), retrying", e.what());
    } catch (const pqxx::broken_connection& e) {
      // Typically a connection that went stale when PostgreSQL restarted. Nothing committed
      // (or, for in_doubt below, maybe it did: the ledger turns the rerun into a no-op), so
      // rerun on a fresh connection while one can be had.
      if (Status s = Reconnect(attempt, e.what()); !s.ok()) return s;
    } catch (const pqxx::in_doubt_error& e) {
      if (Status s = Reconnect(attempt, e.what()); !s.ok()) return s;
    } catch (const std::exception& e) {
      // A broken connection sometimes surfaces as a plain sql_error; check before classifying.
      const bool lost = !connection_->is_open();
      if (lost) connection_.reset();
      return Status(lost ? StatusCode::kUnavailable : StatusCode::kInternal,
                    std::string("ingest: ") + e.what());
    }
  }
}

}  // namespace roadsense::db
