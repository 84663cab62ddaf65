// TileStatsWriter: adds pre-aggregated TileStats into tile_stats with ONE set-based statement
// (INSERT ... SELECT FROM unnest(arrays) ... ON CONFLICT DO UPDATE). Rows are written in key
// order, so concurrent writers lock overlapping rows in the same order and never deadlock; the
// ON CONFLICT update is atomic per row, so concurrent writers never lose an update.
//
// Upsert() queues its statement on the caller's StatementBatch (run by the caller; libpqxx
// exceptions). Prepare() must have run
// on the transaction's connection.
#pragma once

#include <cstddef>
#include <pqxx/connection>
#include <pqxx/transaction>

#include "db/statement_batch.h"
#include "db/tile_stats.h"

namespace roadsense::db {

class TileStatsWriter {
 public:
  static void Prepare(pqxx::connection_base& connection);

  // Merges every entry into its row (inserting missing rows); returns the number of rows.
  static size_t Upsert(StatementBatch& batch, const TileStatsMap& tiles);
};

}  // namespace roadsense::db
