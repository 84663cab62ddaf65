#include "db/tile_stats_writer.h"

#include <optional>
#include <pqxx/binarystring>
#include <pqxx/result>
#include <string>
#include <vector>

#include "db/hyper_log_log.h"
#include "db/pg_array.h"

namespace roadsense::db {
namespace {

constexpr char kUpsert[] = "tile_stats_upsert";
constexpr char kSetSketch[] = "tile_stats_set_sketch";

// Arrays and sketches travel as text ('' = NULL): hex for bytea, '{..}' for integer[].
constexpr char kUpsertSql[] =
    "INSERT INTO tile_stats AS t (z, x, y, bucket_start, reports, probe_reports, hazard_reports,"
    "  sign_reports, weather_reports, speed_n, speed_sum_cms, speed_sumsq, speed_min_cms,"
    "  speed_max_cms, first_observed, last_observed, updated_at, vehicles_hll, max_batch_vehicles,"
    "  speed_hist, wiper_reports, fog_front_reports, fog_rear_reports, temp_n, temp_sum_dc,"
    "  temp_min_dc, temp_max_dc) "
    "SELECT z, x, y, " RS_MS_TO_TIMESTAMPTZ("b") ", r, pr, hr, sr, wr, sn, ss, sq, smin, smax, "
    RS_MS_TO_TIMESTAMPTZ("fo") ", " RS_MS_TO_TIMESTAMPTZ("lo") ", now(), "
    "  decode(nullif(vh, ''), 'hex'), vn, nullif(sh, '')::integer[], nullif(wi, '')::integer[],"
    "  ff, fr, tn, ts, tmin, tmax "
    "FROM unnest($1::smallint[], $2::integer[], $3::integer[], $4::bigint[], $5::bigint[],"
    "  $6::bigint[], $7::bigint[], $8::bigint[], $9::bigint[], $10::bigint[], $11::bigint[],"
    "  $12::double precision[], $13::integer[], $14::integer[], $15::bigint[], $16::bigint[],"
    "  $17::text[], $18::integer[], $19::text[], $20::text[], $21::bigint[], $22::bigint[],"
    "  $23::bigint[], $24::bigint[], $25::integer[], $26::integer[])"
    "  WITH ORDINALITY AS u(z, x, y, b, r, pr, hr, sr, wr, sn, ss, sq, smin, smax, fo, lo,"
    "                      vh, vn, sh, wi, ff, fr, tn, ts, tmin, tmax, i) "
    "ORDER BY i "
    "ON CONFLICT (z, x, y, bucket_start) DO UPDATE SET "
    "  reports = t.reports + EXCLUDED.reports,"
    "  probe_reports = t.probe_reports + EXCLUDED.probe_reports,"
    "  hazard_reports = t.hazard_reports + EXCLUDED.hazard_reports,"
    "  sign_reports = t.sign_reports + EXCLUDED.sign_reports,"
    "  weather_reports = t.weather_reports + EXCLUDED.weather_reports,"
    "  speed_n = t.speed_n + EXCLUDED.speed_n,"
    "  speed_sum_cms = t.speed_sum_cms + EXCLUDED.speed_sum_cms,"
    "  speed_sumsq = t.speed_sumsq + EXCLUDED.speed_sumsq,"
    // LEAST/GREATEST ignore NULLs: a row without speeds keeps the other side's extremes.
    "  speed_min_cms = LEAST(t.speed_min_cms, EXCLUDED.speed_min_cms),"
    "  speed_max_cms = GREATEST(t.speed_max_cms, EXCLUDED.speed_max_cms),"
    "  first_observed = LEAST(t.first_observed, EXCLUDED.first_observed),"
    "  last_observed = GREATEST(t.last_observed, EXCLUDED.last_observed),"
    "  updated_at = now(),"
    // Kept as it is and returned: merged by the client, written by kSetSketch (row locked).
    "  vehicles_hll = coalesce(t.vehicles_hll, EXCLUDED.vehicles_hll),"
    "  max_batch_vehicles = GREATEST(t.max_batch_vehicles, EXCLUDED.max_batch_vehicles),"
    "  speed_hist = speed_hist_add(t.speed_hist, EXCLUDED.speed_hist),"
    "  wiper_reports = wiper_counts_add(t.wiper_reports, EXCLUDED.wiper_reports),"
    "  fog_front_reports = t.fog_front_reports + EXCLUDED.fog_front_reports,"
    "  fog_rear_reports = t.fog_rear_reports + EXCLUDED.fog_rear_reports,"
    "  temp_n = t.temp_n + EXCLUDED.temp_n,"
    "  temp_sum_dc = t.temp_sum_dc + EXCLUDED.temp_sum_dc,"
    "  temp_min_dc = LEAST(t.temp_min_dc, EXCLUDED.temp_min_dc),"
    "  temp_max_dc = GREATEST(t.temp_max_dc, EXCLUDED.temp_max_dc) "
    "RETURNING z, x, y, (extract(epoch FROM bucket_start) * 1000)::bigint, vehicles_hll";

// The merged sketches travel as ONE binary bytea parameter: dense sketches of a fixed size laid
// end to end, the i-th for the i-th key. Text would cost hex on both sides, and (as a literal in
// a StatementBatch) lexing ~2 KB per row.
constexpr char kSetSketchSql[] =
    "UPDATE tile_stats t SET vehicles_hll = substring($5::bytea FROM (u.i::integer - 1) * "
    "$6::integer + 1 "
    "  FOR $6::integer) "
    "FROM unnest($1::smallint[], $2::integer[], $3::integer[], $4::bigint[]) WITH ORDINALITY "
    "  AS u(z, x, y, b, i) "
    "WHERE t.z = u.z AND t.x = u.x AND t.y = u.y AND t.bucket_start = " RS_MS_TO_TIMESTAMPTZ("u.b");

// '{a,b,...}' or '' when every element is zero (stored as NULL).
template <typename Array>
std::string IntArrayOrEmpty(const Array& values) {
  bool any = false;
  for (auto v : values) any = any || v != 0;
  if (!any) return {};
  return PgArrayLiteral(std::vector<int64_t>(values.begin(), values.end()));
}

}  // namespace

void TileStatsWriter::Prepare(pqxx::connection_base& connection) {
  connection.prepare(kUpsert, kUpsertSql);
  connection.prepare(kSetSketch, kSetSketchSql);
}

size_t TileStatsWriter::Upsert(pqxx::work& txn, const TileStatsMap& tiles) {
  if (tiles.empty()) return 0;
  std::vector<int64_t> z, x, y, bucket, reports, probe, hazard, sign, weather, speed_n, speed_sum,
      first, last, batch_vehicles, fog_front, fog_rear, temp_n, temp_sum;
  std::vector<double> sumsq;
  std::vector<std::optional<int64_t>> speed_min, speed_max, temp_min, temp_max;
  std::vector<std::string> hll, hist, wipers;
  for (const auto& [key, s] : tiles) {  // std::map: ascending key order = lock order
    z.push_back(key.tile.z);
    x.push_back(key.tile.x);
    y.push_back(key.tile.y);
    bucket.push_back(key.bucket_start_ms);
    reports.push_back(s.reports);
    probe.push_back(s.probe_reports);
    hazard.push_back(s.hazard_reports);
    sign.push_back(s.sign_reports);
    weather.push_back(s.weather_reports);
    speed_n.push_back(s.speed_n);
    speed_sum.push_back(s.speed_sum_cms);
    sumsq.push_back(s.speed_sumsq);
    speed_min.push_back(s.speed_n > 0 ? std::optional<int64_t>(s.speed_min_cms) : std::nullopt);
    speed_max.push_back(s.speed_n > 0 ? std::optional<int64_t>(s.speed_max_cms) : std::nullopt);
    first.push_back(s.first_observed_ms);
    last.push_back(s.last_observed_ms);
    hll.push_back(s.vehicles.size() == 0
                      ? std::string()
                      : PgHexBytes(s.vehicles.ToHyperLogLog().SerializeSparse()));
    batch_vehicles.push_back(static_cast<int64_t>(s.vehicles.size()));
    hist.push_back(IntArrayOrEmpty(s.speed_hist));
    wipers.push_back(IntArrayOrEmpty(s.wiper_reports));
    fog_front.push_back(s.fog_front_reports);
    fog_rear.push_back(s.fog_rear_reports);
    temp_n.push_back(s.temp_n);
    temp_sum.push_back(s.temp_sum_dc);
    temp_min.push_back(s.temp_n > 0 ? std::optional<int64_t>(s.temp_min_dc) : std::nullopt);
    temp_max.push_back(s.temp_n > 0 ? std::optional<int64_t>(s.temp_max_dc) : std::nullopt);
  }
  const pqxx::result rows = txn.exec_prepared(
      kUpsert, PgArrayLiteral(z), PgArrayLiteral(x), PgArrayLiteral(y), PgArrayLiteral(bucket),
      PgArrayLiteral(reports), PgArrayLiteral(probe), PgArrayLiteral(hazard), PgArrayLiteral(sign),
      PgArrayLiteral(weather), PgArrayLiteral(speed_n), PgArrayLiteral(speed_sum),
      PgArrayLiteral(sumsq), PgArrayLiteral(speed_min), PgArrayLiteral(speed_max),
      PgArrayLiteral(first), PgArrayLiteral(last), PgArrayLiteral(hll),
      PgArrayLiteral(batch_vehicles), PgArrayLiteral(hist), PgArrayLiteral(wipers),
      PgArrayLiteral(fog_front), PgArrayLiteral(fog_rear), PgArrayLiteral(temp_n),
      PgArrayLiteral(temp_sum), PgArrayLiteral(temp_min), PgArrayLiteral(temp_max));

  // Merge each row's stored sketch with this commit's vehicles; write back what changed. A row
  // this statement inserted holds exactly our sketch, so it is skipped. The rows are locked
  // already, so the write-back adds no lock (the lock order stays the upsert's key order).
  std::vector<int64_t> set_z, set_x, set_y, set_bucket;
  std::string set_hll;
  set_hll.reserve(rows.size() * HyperLogLog::kDenseBytes);
  for (const auto& row : rows) {
    if (row[4].is_null()) continue;
    const TileBucketKey key{{row[0].as<int>(), row[1].as<int>(), row[2].as<int>()},
                            row[3].as<int64_t>()};
    auto it = tiles.find(key);
    if (it == tiles.end() || it->second.vehicles.size() == 0) continue;
    const pqxx::binarystring stored(row[4]);
    Result<HyperLogLog> merged = HyperLogLog::Parse(
        std::string_view(reinterpret_cast<const char*>(stored.data()), stored.size()));
    if (!merged.ok()) {
      throw pqxx::data_exception("tile_stats.vehicles_hll: " + merged.status().message());
    }
    if (!merged->MergeChanged(it->second.vehicles.ToHyperLogLog())) continue;
    set_z.push_back(key.tile.z);
    set_x.push_back(key.tile.x);
    set_y.push_back(key.tile.y);
    set_bucket.push_back(key.bucket_start_ms);
    merged->AppendDense(&set_hll);
  }
  if (!set_z.empty()) {
    txn.exec_prepared(kSetSketch, PgArrayLiteral(set_z), PgArrayLiteral(set_x),
                      PgArrayLiteral(set_y), PgArrayLiteral(set_bucket),
                      pqxx::binarystring(set_hll.data(), set_hll.size()),
                      static_cast<int>(HyperLogLog::kDenseBytes));
  }
  return tiles.size();
}

}  // namespace roadsense::db
