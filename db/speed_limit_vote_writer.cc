#include "db/speed_limit_vote_writer.h"

#include <string>
#include <vector>

#include "db/pg_array.h"

namespace roadsense::db {
namespace {

constexpr char kUpsert[] = "speed_limit_votes_upsert";

constexpr char kUpsertSql[] =
    "INSERT INTO speed_limit_votes AS t (z, x, y, heading_sector, limit_kmh, votes, vehicles_hll,"
    "  max_batch_vehicles, first_seen, last_seen, updated_at) "
    "SELECT z, x, y, hs, lk, v, decode(vh, 'hex'), vn, " RS_MS_TO_TIMESTAMPTZ("fs") ", "
    RS_MS_TO_TIMESTAMPTZ("ls") ", now() "
    "FROM unnest($1::smallint[], $2::integer[], $3::integer[], $4::smallint[], $5::smallint[],"
    "  $6::bigint[], $7::text[], $8::integer[], $9::bigint[], $10::bigint[])"
    "  WITH ORDINALITY AS u(z, x, y, hs, lk, v, vh, vn, fs, ls, i) "
    "ORDER BY i "
    "ON CONFLICT (z, x, y, heading_sector, limit_kmh) DO UPDATE SET "
    "  votes = t.votes + EXCLUDED.votes,"
    "  vehicles_hll = hll_union(t.vehicles_hll, EXCLUDED.vehicles_hll),"
    "  max_batch_vehicles = GREATEST(t.max_batch_vehicles, EXCLUDED.max_batch_vehicles),"
    "  first_seen = LEAST(t.first_seen, EXCLUDED.first_seen),"
    "  last_seen = GREATEST(t.last_seen, EXCLUDED.last_seen),"
    "  updated_at = now()";

}  // namespace

void SpeedLimitVoteWriter::Prepare(pqxx::connection_base& connection) {
  connection.prepare(kUpsert, kUpsertSql);
}

size_t SpeedLimitVoteWriter::Upsert(StatementBatch& batch, const SpeedLimitVoteMap& votes) {
  if (votes.empty()) return 0;
  std::vector<int64_t> z, x, y, sector, limit, count, batch_vehicles, first, last;
  std::vector<std::string> hll;
  for (const auto& [key, v] : votes) {  // ascending key order = lock order
    z.push_back(key.tile.z);
    x.push_back(key.tile.x);
    y.push_back(key.tile.y);
    sector.push_back(key.heading_sector);
    limit.push_back(key.limit_kmh);
    count.push_back(v.votes);
    hll.push_back(PgHexBytes(v.vehicles.ToHyperLogLog().SerializeSparse()));
    batch_vehicles.push_back(static_cast<int64_t>(v.vehicles.size()));
    first.push_back(v.first_seen_ms);
    last.push_back(v.last_seen_ms);
  }
  batch.AddPrepared(
      kUpsert, {PgArrayLiteral(z), PgArrayLiteral(x), PgArrayLiteral(y), PgArrayLiteral(sector),
                PgArrayLiteral(limit), PgArrayLiteral(count), PgArrayLiteral(hll),
                PgArrayLiteral(batch_vehicles), PgArrayLiteral(first), PgArrayLiteral(last)});
  return votes.size();
}

}  // namespace roadsense::db
