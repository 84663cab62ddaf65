#include "db/tile_stats_writer.h"

#include <optional>
#include <pqxx/binarystring>
#include <pqxx/result>
#include <string>
#include <tuple>
#include <vector>

#include "db/hyper_log_log.h"
#include "db/pg_array.h"

namespace roadsense::db {
namespace {

constexpr char kUpsert[] = "tile_stats_upsert";
constexpr char kSetSketch[] = "tile_stats_set_sketch";

// Every column travels as ONE binary array parameter (PgBinaryArray: array_recv reads fixed-size
// integers; text arrays cost array_in + int4in per element, 14-17 % of the backend's CPU in the
// drain, most of it the 40-bin histograms). The histograms and wiper counts are laid end to end in
// one flat integer[] each ($27, $28); a row's $19 / $20 is the 1-based index of its first element
// there, NULL when the row has none (a slice with a NULL bound is NULL: the column stays NULL).
constexpr char kUpsertSql[] =
    "INSERT INTO tile_stats AS t (z, x, y, bucket_start, reports, probe_reports, hazard_reports,"
    "  sign_reports, weather_reports, speed_n, speed_sum_cms, speed_sumsq, speed_min_cms,"
    "  speed_max_cms, first_observed, last_observed, updated_at, vehicles_hll, max_batch_vehicles,"
    "  speed_hist, wiper_reports, fog_front_reports, fog_rear_reports, temp_n, temp_sum_dc,"
    "  temp_min_dc, temp_max_dc) "
    "SELECT z, x, y, " RS_MS_TO_TIMESTAMPTZ("b") ", r, pr, hr, sr, wr, sn, ss, sq, smin, smax, "
    RS_MS_TO_TIMESTAMPTZ("fo") ", " RS_MS_TO_TIMESTAMPTZ("lo") ", now(), "
    "  vh, vn, ($27::integer[])[sh : sh + 39], ($28::integer[])[wi : wi + 3],"
    "  ff, fr, tn, ts, tmin, tmax "
    "FROM unnest($1::smallint[], $2::integer[], $3::integer[], $4::bigint[], $5::bigint[],"
    "  $6::bigint[], $7::bigint[], $8::bigint[], $9::bigint[], $10::bigint[], $11::bigint[],"
    "  $12::double precision[], $13::integer[], $14::integer[], $15::bigint[], $16::bigint[],"
    "  $17::bytea[], $18::integer[], $19::integer[], $20::integer[], $21::bigint[], $22::bigint[],"
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

static_assert(TileStats::kSpeedBins == 40, "kUpsertSql slices 40 histogram bins");
static_assert(std::tuple_size_v<decltype(TileStats::wiper_reports)> == 4,
              "kUpsertSql slices 4 wiper counts");

// Appends `values` to `flat` and returns the 1-based index of the first one, or nullopt (the
// column is stored as NULL) when every element is zero.
template <typename Array>
std::optional<int64_t> AppendUnlessZero(const Array& values, std::vector<int64_t>* flat) {
  bool any = false;
  for (auto v : values) any = any || v != 0;
  if (!any) return std::nullopt;
  const auto first = static_cast<int64_t>(flat->size()) + 1;
  flat->insert(flat->end(), values.begin(), values.end());
  return first;
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
  std::vector<std::optional<int64_t>> speed_min, speed_max, temp_min, temp_max, hist, wipers;
  std::vector<int64_t> hist_flat, wipers_flat;
  std::vector<std::optional<std::string>> hll;
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
                      ? std::nullopt
                      : std::optional<std::string>(s.vehicles.ToHyperLogLog().SerializeSparse()));
    batch_vehicles.push_back(static_cast<int64_t>(s.vehicles.size()));
    hist.push_back(AppendUnlessZero(s.speed_hist, &hist_flat));
    wipers.push_back(AppendUnlessZero(s.wiper_reports, &wipers_flat));
    fog_front.push_back(s.fog_front_reports);
    fog_rear.push_back(s.fog_rear_reports);
    temp_n.push_back(s.temp_n);
    temp_sum.push_back(s.temp_sum_dc);
    temp_min.push_back(s.temp_n > 0 ? std::optional<int64_t>(s.temp_min_dc) : std::nullopt);
    temp_max.push_back(s.temp_n > 0 ? std::optional<int64_t>(s.temp_max_dc) : std::nullopt);
  }
  using enum PgIntType;
  const pqxx::result rows = txn.exec_prepared(
      kUpsert, PgBinaryParam(PgBinaryArray(z, kSmallint)),
      PgBinaryParam(PgBinaryArray(x, kInteger)), PgBinaryParam(PgBinaryArray(y, kInteger)),
      PgBinaryParam(PgBinaryArray(bucket, kBigint)), PgBinaryParam(PgBinaryArray(reports, kBigint)),
      PgBinaryParam(PgBinaryArray(probe, kBigint)), PgBinaryParam(PgBinaryArray(hazard, kBigint)),
      PgBinaryParam(PgBinaryArray(sign, kBigint)), PgBinaryParam(PgBinaryArray(weather, kBigint)),
      PgBinaryParam(PgBinaryArray(speed_n, kBigint)),
      PgBinaryParam(PgBinaryArray(speed_sum, kBigint)), PgBinaryParam(PgBinaryArray(sumsq)),
      PgBinaryParam(PgBinaryArray(speed_min, kInteger)),
      PgBinaryParam(PgBinaryArray(speed_max, kInteger)),
      PgBinaryParam(PgBinaryArray(first, kBigint)), PgBinaryParam(PgBinaryArray(last, kBigint)),
      PgBinaryParam(PgBinaryByteaArray(hll)),
      PgBinaryParam(PgBinaryArray(batch_vehicles, kInteger)),
      PgBinaryParam(PgBinaryArray(hist, kInteger)), PgBinaryParam(PgBinaryArray(wipers, kInteger)),
      PgBinaryParam(PgBinaryArray(fog_front, kBigint)),
      PgBinaryParam(PgBinaryArray(fog_rear, kBigint)),
      PgBinaryParam(PgBinaryArray(temp_n, kBigint)),
      PgBinaryParam(PgBinaryArray(temp_sum, kBigint)),
      PgBinaryParam(PgBinaryArray(temp_min, kInteger)),
      PgBinaryParam(PgBinaryArray(temp_max, kInteger)),
      PgBinaryParam(PgBinaryArray(hist_flat, kInteger)),
      PgBinaryParam(PgBinaryArray(wipers_flat, kInteger)));

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
    txn.exec_prepared(kSetSketch, PgBinaryParam(PgBinaryArray(set_z, kSmallint)),
                      PgBinaryParam(PgBinaryArray(set_x, kInteger)),
                      PgBinaryParam(PgBinaryArray(set_y, kInteger)),
                      PgBinaryParam(PgBinaryArray(set_bucket, kBigint)),
                      pqxx::binarystring(set_hll.data(), set_hll.size()),
                      static_cast<int>(HyperLogLog::kDenseBytes));
  }
  return tiles.size();
}

}  // namespace roadsense::db
