#include "simulator/map_verifier.h"

#include <pqxx/pqxx>

namespace roadsense::simulator {
namespace {

constexpr int kBaseZoom = 16;

// Bucket starts compare as epoch milliseconds (the worker stores timestamptz).
constexpr const char* kCellFilter =
    " FROM tile_stats WHERE z = $1"
    " AND bucket_start >= to_timestamp($2::bigint / 1000.0)"
    " AND bucket_start <= to_timestamp($3::bigint / 1000.0)";

bool TableExists(pqxx::transaction_base& tx) {
  return tx.exec1("SELECT to_regclass('tile_stats') IS NOT NULL")[0].as<bool>();
}

}  // namespace

MapVerifier::MapVerifier(std::string connection_string, int64_t first_bucket_ms,
                         int64_t last_bucket_ms)
    : connection_string_(std::move(connection_string)),
      first_bucket_ms_(first_bucket_ms),
      last_bucket_ms_(last_bucket_ms) {}

Result<CellMap> MapVerifier::Snapshot() const {
  try {
    pqxx::connection conn(connection_string_);
    pqxx::read_transaction tx(conn);
    CellMap cells;
    if (!TableExists(tx)) return cells;
    const pqxx::result rows = tx.exec_params(
        std::string("SELECT z, x, y, (extract(epoch from bucket_start) * 1000)::bigint,"
                    " reports, probe_reports, hazard_reports, sign_reports, weather_reports,"
                    " speed_n, speed_sum_cms") +
            kCellFilter,
        kBaseZoom, first_bucket_ms_, last_bucket_ms_);
    for (const auto& row : rows) {
      CellKey key{{row[0].as<int32_t>(), row[1].as<int32_t>(), row[2].as<int32_t>()},
                  row[3].as<int64_t>()};
      CellCounts c;
      c.reports = row[4].as<int64_t>(0);
      c.probe_reports = row[5].as<int64_t>(0);
      c.hazard_reports = row[6].as<int64_t>(0);
      c.sign_reports = row[7].as<int64_t>(0);
      c.weather_reports = row[8].as<int64_t>(0);
      c.speed_n = row[9].as<int64_t>(0);
      c.speed_sum_cms = row[10].as<int64_t>(0);
      cells[key] = c;
    }
    return cells;
  } catch (const std::exception& e) {
    return Unavailable(std::string("reading tile_stats: ") + e.what());
  }
}

Result<int64_t> MapVerifier::SumReports() const {
  try {
    pqxx::connection conn(connection_string_);
    pqxx::read_transaction tx(conn);
    if (!TableExists(tx)) return int64_t{0};
    const pqxx::row row =
        tx.exec_params1(std::string("SELECT coalesce(sum(reports), 0)::bigint") + kCellFilter,
                        kBaseZoom, first_bucket_ms_, last_bucket_ms_);
    return row[0].as<int64_t>();
  } catch (const std::exception& e) {
    return Unavailable(std::string("summing tile_stats: ") + e.what());
  }
}

Result<ConsumerView> MapVerifier::ReadConsumerView(int64_t since_ms) const {
  try {
    pqxx::connection conn(connection_string_);
    pqxx::read_transaction tx(conn);
    ConsumerView view;
    const pqxx::row head =
        tx.exec1("SELECT map_k_anonymity(), (extract(epoch from now()) * 1000)::bigint");
    view.k = head[0].as<int64_t>();
    view.now_ms = head[1].as<int64_t>();
    for (const auto& row : tx.exec_params(
             "SELECT z, x, y, hazard_type, distinct_vehicles,"
             " (extract(epoch from first_seen) * 1000)::bigint,"
             " (extract(epoch from last_seen) * 1000)::bigint FROM active_hazards"
             " WHERE last_seen >= to_timestamp($1::bigint / 1000.0) ORDER BY z, x, y, hazard_type",
             since_ms)) {
      view.hazards.push_back({{row[0].as<int32_t>(), row[1].as<int32_t>(), row[2].as<int32_t>()},
                              row[3].as<int32_t>(),
                              row[4].as<int64_t>(),
                              row[5].as<int64_t>(),
                              row[6].as<int64_t>()});
    }
    for (const auto& row : tx.exec_params(
             "SELECT z, x, y, heading_sector, limit_kmh, distinct_vehicles FROM speed_limits"
             " WHERE z = $1 AND last_seen >= to_timestamp($2::bigint / 1000.0)"
             " ORDER BY z, x, y, heading_sector",
             kBaseZoom, since_ms)) {
      view.speed_limits.push_back(
          {{{row[0].as<int32_t>(), row[1].as<int32_t>(), row[2].as<int32_t>()},
            row[3].as<int32_t>()},
           row[4].as<int32_t>(),
           row[5].as<int64_t>()});
    }
    return view;
  } catch (const std::exception& e) {
    return Unavailable(std::string("reading active_hazards / speed_limits: ") + e.what());
  }
}

}  // namespace roadsense::simulator
