// IngestStore: one PostgreSQL connection that writes ingested batches exactly once.
//
// Ingest() runs ONE transaction: claim the batches' keys in ingest_ledger, aggregate only the
// batches this transaction claimed (the caller's callback), upsert the result into every layer
// (tile_stats, hazard_clusters, speed_limit_votes — each one set-based statement in key order),
// NOTIFY tiles_changed with the changed tiles, commit. A batch seen before (redelivery, retry,
// concurrent duplicate) therefore changes nothing. libpqxx exceptions stop here and become Status.
//
// The claim first expects every batch to be new (ClaimMode::kExpectNew, the cheaper plain
// INSERT). When one was there already the transaction is rerun with kSkipExisting, and so are
// the next kSkipExistingAfterDuplicate ingests, so a stretch of redeliveries (a worker died
// holding a backlog) costs one wasted attempt per stretch rather than one per group.
//
// Threading: not thread-safe; one IngestStore per thread (a connection serves one thread).
#pragma once

#include <functional>
#include <memory>
#include <pqxx/connection>
#include <string>
#include <vector>

#include "core/status.h"
#include "db/ingest_ledger.h"
#include "db/map_delta.h"

namespace roadsense::db {

struct IngestOutcome {
  size_t claimed_batches = 0;        // new batches, aggregated and committed
  size_t duplicate_batches = 0;      // already in the ledger; not aggregated
  size_t tiles_upserted = 0;         // tile_stats rows inserted or updated
  size_t hazards_upserted = 0;       // hazard_clusters rows
  size_t speed_limits_upserted = 0;  // speed_limit_votes rows
  size_t notifications = 0;          // tiles_changed payloads sent with the commit
  size_t claim_reruns = 0;           // 1 when the kExpectNew claim met a batch already there
};

class IngestStore {
 public:
  static constexpr int kSkipExistingAfterDuplicate = 16;

  // `connection_string`: libpq format, e.g. "host=127.0.0.1 port=5432 dbname=roadsense".
  explicit IngestStore(std::string connection_string);
  ~IngestStore();
  IngestStore(const IngestStore&) = delete;
  IngestStore& operator=(const IngestStore&) = delete;

  // Connects and prepares statements unless already connected. kUnavailable on failure.
  Status Connect();
  bool connected() const;

  // Brings the schema up to date (MigrationRunner over EmbeddedMigrations()); connects first.
  Result<int> Migrate();

  // Called inside the transaction with, per entry, whether this transaction claimed it; returns
  // the aggregates of the claimed batches only. Must not touch the database.
  using AggregateFn = std::function<MapDelta(const std::vector<bool>& claimed)>;

  // Entries' keys must be distinct. Deadlocks, serialization failures and a lost connection
  // (reconnect first) are retried; the ledger makes a rerun after an in-doubt commit harmless.
  // Errors: kUnavailable when PostgreSQL cannot be reached (the store disconnects; the
  // transaction may or may not have committed), kInternal for other database errors.
  Result<IngestOutcome> Ingest(const std::vector<LedgerEntry>& entries,
                               const AggregateFn& aggregate);

 private:
  // After a lost connection: connects again unless `attempt` was the last; OK means "rerun".
  Status Reconnect(int attempt, const std::string& error);

  std::string connection_string_;
  int skip_existing_ingests_ = 0;  // ingests left that claim with kSkipExisting directly
  std::unique_ptr<pqxx::connection> connection_;
};

}  // namespace roadsense::db
