#include "db/hazard_cluster_writer.h"

#include <optional>
#include <string>
#include <vector>

#include "db/pg_array.h"

namespace roadsense::db {
namespace {

constexpr char kUpsert[] = "hazard_clusters_upsert";

constexpr char kUpsertSql[] =
    "INSERT INTO hazard_clusters AS t (z, x, y, hazard_type, reports, cancellations,"
    "  vehicles_hll, max_batch_vehicles, confidence_sum, first_seen, last_seen, last_cancelled,"
    "  expires_at, updated_at) "
    "SELECT z, x, y, ht, r, c, decode(vh, 'hex'), vn, cs, " RS_MS_TO_TIMESTAMPTZ("fs") ", "
    RS_MS_TO_TIMESTAMPTZ("ls") ", " RS_MS_TO_TIMESTAMPTZ("lc") ", " RS_MS_TO_TIMESTAMPTZ("ex")
    ", now() "
    "FROM unnest($1::smallint[], $2::integer[], $3::integer[], $4::smallint[], $5::bigint[],"
    "  $6::bigint[], $7::text[], $8::integer[], $9::bigint[], $10::bigint[], $11::bigint[],"
    "  $12::bigint[], $13::bigint[])"
    "  WITH ORDINALITY AS u(z, x, y, ht, r, c, vh, vn, cs, fs, ls, lc, ex, i) "
    "ORDER BY i "
    "ON CONFLICT (z, x, y, hazard_type) DO UPDATE SET "
    "  reports = t.reports + EXCLUDED.reports,"
    "  cancellations = t.cancellations + EXCLUDED.cancellations,"
    "  vehicles_hll = hll_union(t.vehicles_hll, EXCLUDED.vehicles_hll),"
    "  max_batch_vehicles = GREATEST(t.max_batch_vehicles, EXCLUDED.max_batch_vehicles),"
    "  confidence_sum = t.confidence_sum + EXCLUDED.confidence_sum,"
    "  first_seen = LEAST(t.first_seen, EXCLUDED.first_seen),"
    "  last_seen = GREATEST(t.last_seen, EXCLUDED.last_seen),"
    "  last_cancelled = GREATEST(t.last_cancelled, EXCLUDED.last_cancelled),"
    "  expires_at = GREATEST(t.expires_at, EXCLUDED.expires_at),"
    "  updated_at = now()";

}  // namespace

void HazardClusterWriter::Prepare(pqxx::connection_base& connection) {
  connection.prepare(kUpsert, kUpsertSql);
}

size_t HazardClusterWriter::Upsert(StatementBatch& batch, const HazardClusterMap& clusters) {
  if (clusters.empty()) return 0;
  std::vector<int64_t> z, x, y, type, reports, cancellations, batch_vehicles, confidence, first;
  std::vector<std::optional<int64_t>> last_seen, last_cancelled, expires;
  std::vector<std::string> hll;
  for (const auto& [key, c] : clusters) {  // ascending key order = lock order
    z.push_back(key.tile.z);
    x.push_back(key.tile.x);
    y.push_back(key.tile.y);
    type.push_back(key.hazard_type);
    reports.push_back(c.reports);
    cancellations.push_back(c.cancellations);
    hll.push_back(PgHexBytes(c.vehicles.ToHyperLogLog().SerializeSparse()));
    batch_vehicles.push_back(static_cast<int64_t>(c.vehicles.size()));
    confidence.push_back(c.confidence_sum);
    first.push_back(c.first_seen_ms);
    last_seen.push_back(c.last_seen_ms);
    last_cancelled.push_back(c.last_cancelled_ms);
    expires.push_back(c.expires_ms);
  }
  batch.AddPrepared(
      kUpsert,
      {PgArrayLiteral(z), PgArrayLiteral(x), PgArrayLiteral(y), PgArrayLiteral(type),
       PgArrayLiteral(reports), PgArrayLiteral(cancellations), PgArrayLiteral(hll),
       PgArrayLiteral(batch_vehicles), PgArrayLiteral(confidence), PgArrayLiteral(first),
       PgArrayLiteral(last_seen), PgArrayLiteral(last_cancelled), PgArrayLiteral(expires)});
  return clusters.size();
}

}  // namespace roadsense::db
