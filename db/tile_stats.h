// TileStats: the mergeable aggregates of one tile_stats row (one tile, one time bucket), and
// TileBucketKey, the row's primary key. Units: speeds in cm/s, temperatures in tenths of °C,
// times in epoch milliseconds. Value types; not thread-safe.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <map>

#include "db/vehicle_set.h"
#include "geo/tile_key.h"

namespace roadsense::db {

using TileBucketKey = geo::TileBucketKey;

struct TileStats {
  int64_t reports = 0;
  int64_t probe_reports = 0;
  int64_t hazard_reports = 0;
  int64_t sign_reports = 0;
  int64_t weather_reports = 0;
  int64_t speed_n = 0;
  int64_t speed_sum_cms = 0;
  double speed_sumsq = 0;     // sum of squared speeds, (cm/s)^2
  int32_t speed_min_cms = 0;  // meaningful only when speed_n > 0
  int32_t speed_max_cms = 0;
  int64_t first_observed_ms = 0;  // meaningful only when reports > 0
  int64_t last_observed_ms = 0;

  // Speed histogram: bin i holds [5i, 5i+5) km/h; the last bin everything from 195 km/h.
  static constexpr int kSpeedBins = 40;
  std::array<int32_t, kSpeedBins> speed_hist{};
  VehicleSet vehicles;  // distinct vehicles of these reports

  // Weather (from RoadWeather payloads).
  std::array<int32_t, 4> wiper_reports{};  // off, interval, low, high
  int64_t fog_front_reports = 0;
  int64_t fog_rear_reports = 0;
  int64_t temp_n = 0;
  int64_t temp_sum_dc = 0;
  int32_t temp_min_dc = 0;  // meaningful only when temp_n > 0
  int32_t temp_max_dc = 0;

  static int SpeedBin(int32_t speed_cms);

  // Adds one observation time / one speed sample / one temperature (reports and per-kind counts
  // are the caller's).
  void AddObservation(int64_t observed_ms);
  void AddSpeed(int32_t speed_cms);
  void AddTemperature(int32_t temp_dc);
  // this += other; the same merge the database applies in ON CONFLICT DO UPDATE.
  void Merge(const TileStats& other);

  bool operator==(const TileStats&) const = default;
};

// Sorted by key, which is also the order rows are locked in (no deadlocks between writers).
using TileStatsMap = std::map<TileBucketKey, TileStats>;

}  // namespace roadsense::db
