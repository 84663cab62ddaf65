// SpeedLimitVoteWriter: merges pre-aggregated SpeedLimitVotes into speed_limit_votes with ONE
// set-based INSERT ... ON CONFLICT DO UPDATE, rows in key order (no deadlocks, no lost updates).
//
// Upsert() queues its statement on the caller's StatementBatch (run by the caller; libpqxx
// exceptions). Prepare() must have run
// on the transaction's connection.
#pragma once

#include <cstddef>
#include <pqxx/connection>
#include <pqxx/transaction>

#include "db/speed_limit_votes.h"
#include "db/statement_batch.h"

namespace roadsense::db {

class SpeedLimitVoteWriter {
 public:
  static void Prepare(pqxx::connection_base& connection);
  // Returns the number of rows inserted or updated.
  static size_t Upsert(StatementBatch& batch, const SpeedLimitVoteMap& votes);
};

}  // namespace roadsense::db
