// HazardClusterWriter: merges pre-aggregated HazardClusters into hazard_clusters with ONE
// set-based INSERT ... ON CONFLICT DO UPDATE, rows in key order (no deadlocks between writers;
// the row lock makes each merge atomic, so no update is lost).
//
// Upsert() queues its statement on the caller's StatementBatch (run by the caller; libpqxx
// exceptions). Prepare() must have run
// on the transaction's connection.
#pragma once

#include <cstddef>
#include <pqxx/connection>
#include <pqxx/transaction>

#include "db/hazard_cluster.h"
#include "db/statement_batch.h"

namespace roadsense::db {

class HazardClusterWriter {
 public:
  static void Prepare(pqxx::connection_base& connection);
  // Returns the number of rows inserted or updated.
  static size_t Upsert(StatementBatch& batch, const HazardClusterMap& clusters);
};

}  // namespace roadsense::db
