// TileStatsWriter: adds pre-aggregated TileStats into tile_stats with ONE set-based statement
// (INSERT ... SELECT FROM unnest(arrays) ... ON CONFLICT DO UPDATE). Rows are written in key
// order, so concurrent writers lock overlapping rows in the same order and never deadlock; the
// ON CONFLICT update is atomic per row, so concurrent writers never lose an update.
//
// Distinct-vehicle sketches are merged here, not in SQL: the upsert keeps the row's sketch and
// returns it (the row is locked by then), the C++ merge (HyperLogLog::Merge, per-register max)
// takes microseconds where the SQL hll_union loop took ~170 µs per row, and a follow-up UPDATE
// writes back the rows whose sketch changed (the sketches as one binary parameter). That UPDATE
// touches only rows this transaction already locked, so the lock order stays the upsert's key
// order.
//
// Upsert() runs both statements (two round trips at most); libpqxx exceptions. Prepare() must
// have run on the transaction's connection.
#pragma once

#include <cstddef>
#include <pqxx/connection>
#include <pqxx/transaction>

#include "db/tile_stats.h"

namespace roadsense::db {

class TileStatsWriter {
 public:
  static void Prepare(pqxx::connection_base& connection);

  // Merges every entry into its row (inserting missing rows); returns the number of rows.
  static size_t Upsert(pqxx::work& txn, const TileStatsMap& tiles);
};

}  // namespace roadsense::db
