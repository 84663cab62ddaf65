#include "db/tile_stats_writer.h"

#include <optional>
#include <string>
#include <vector>

#include "db/pg_array.h"

namespace roadsense::db {
namespace {

constexpr char kUpsert[] = "tile_stats_upsert";

// Epoch milliseconds to timestamptz, exact to the millisecond.
#define RS_MS_TO_TIMESTAMPTZ(col) "(timestamptz 'epoch' + " col " * interval '1 millisecond')"

constexpr char kUpsertSql[] =
    "INSERT INTO tile_stats AS t (z, x, y, bucket_start, reports, probe_reports, hazard_reports,"
    "  sign_reports, weather_reports, speed_n, speed_sum_cms, speed_sumsq, speed_min_cms,"
    "  speed_max_cms, first_observed, last_observed, updated_at) "
    "SELECT z, x, y, " RS_MS_TO_TIMESTAMPTZ("b") ", r, pr, hr, sr, wr, sn, ss, sq, smin, smax, "
    RS_MS_TO_TIMESTAMPTZ("fo") ", " RS_MS_TO_TIMESTAMPTZ("lo") ", now() "
    "FROM unnest($1::smallint[], $2::integer[], $3::integer[], $4::bigint[], $5::bigint[],"
    "  $6::bigint[], $7::bigint[], $8::bigint[], $9::bigint[], $10::bigint[], $11::bigint[],"
    "  $12::double precision[], $13::integer[], $14::integer[], $15::bigint[], $16::bigint[])"
    "  WITH ORDINALITY AS u(z, x, y, b, r, pr, hr, sr, wr, sn, ss, sq, smin, smax, fo, lo, i) "
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
    "  updated_at = now()";

#undef RS_MS_TO_TIMESTAMPTZ

}  // namespace

void TileStatsWriter::Prepare(pqxx::connection_base& connection) {
  connection.prepare(kUpsert, kUpsertSql);
}

size_t TileStatsWriter::Upsert(pqxx::work& txn, const TileStatsMap& tiles) {
  if (tiles.empty()) return 0;
  std::vector<int64_t> z, x, y, bucket, reports, probe, hazard, sign, weather, speed_n, speed_sum,
      first, last;
  std::vector<double> sumsq;
  std::vector<std::optional<int64_t>> speed_min, speed_max;
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
  }
  txn.exec_prepared0(kUpsert, PgArrayLiteral(z), PgArrayLiteral(x), PgArrayLiteral(y),
                     PgArrayLiteral(bucket), PgArrayLiteral(reports), PgArrayLiteral(probe),
                     PgArrayLiteral(hazard), PgArrayLiteral(sign), PgArrayLiteral(weather),
                     PgArrayLiteral(speed_n), PgArrayLiteral(speed_sum), PgArrayLiteral(sumsq),
                     PgArrayLiteral(speed_min), PgArrayLiteral(speed_max), PgArrayLiteral(first),
                     PgArrayLiteral(last));
  return tiles.size();
}

}  // namespace roadsense::db
