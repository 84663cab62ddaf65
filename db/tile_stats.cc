#include "db/tile_stats.h"

#include <algorithm>

namespace roadsense::db {

void TileStats::AddObservation(int64_t observed_ms) {
  if (reports == 0) {
    first_observed_ms = last_observed_ms = observed_ms;
  } else {
    first_observed_ms = std::min(first_observed_ms, observed_ms);
    last_observed_ms = std::max(last_observed_ms, observed_ms);
  }
  ++reports;
}

int TileStats::SpeedBin(int32_t speed_cms) {
  // km/h = cm/s × 0.036; bin = floor(km/h / 5), in integers.
  const int64_t bin = static_cast<int64_t>(std::max(speed_cms, 0)) * 36 / 5000;
  return static_cast<int>(std::min<int64_t>(bin, kSpeedBins - 1));
}

void TileStats::AddTemperature(int32_t temp_dc) {
  temp_min_dc = temp_n == 0 ? temp_dc : std::min(temp_min_dc, temp_dc);
  temp_max_dc = temp_n == 0 ? temp_dc : std::max(temp_max_dc, temp_dc);
  ++temp_n;
  temp_sum_dc += temp_dc;
}

void TileStats::AddSpeed(int32_t speed_cms) {
  ++speed_hist[static_cast<size_t>(SpeedBin(speed_cms))];
  speed_min_cms = speed_n == 0 ? speed_cms : std::min(speed_min_cms, speed_cms);
  speed_max_cms = speed_n == 0 ? speed_cms : std::max(speed_max_cms, speed_cms);
  ++speed_n;
  speed_sum_cms += speed_cms;
  speed_sumsq += static_cast<double>(speed_cms) * speed_cms;
}

void TileStats::Merge(const TileStats& other) {
  if (other.reports > 0) {
    first_observed_ms = reports == 0 ? other.first_observed_ms
                                     : std::min(first_observed_ms, other.first_observed_ms);
    last_observed_ms =
        reports == 0 ? other.last_observed_ms : std::max(last_observed_ms, other.last_observed_ms);
  }
  if (other.speed_n > 0) {
    speed_min_cms =
        speed_n == 0 ? other.speed_min_cms : std::min(speed_min_cms, other.speed_min_cms);
    speed_max_cms =
        speed_n == 0 ? other.speed_max_cms : std::max(speed_max_cms, other.speed_max_cms);
  }
  if (other.temp_n > 0) {
    temp_min_dc = temp_n == 0 ? other.temp_min_dc : std::min(temp_min_dc, other.temp_min_dc);
    temp_max_dc = temp_n == 0 ? other.temp_max_dc : std::max(temp_max_dc, other.temp_max_dc);
  }
  for (size_t i = 0; i < speed_hist.size(); ++i) speed_hist[i] += other.speed_hist[i];
  for (size_t i = 0; i < wiper_reports.size(); ++i) wiper_reports[i] += other.wiper_reports[i];
  vehicles.Merge(other.vehicles);
  fog_front_reports += other.fog_front_reports;
  fog_rear_reports += other.fog_rear_reports;
  temp_n += other.temp_n;
  temp_sum_dc += other.temp_sum_dc;
  reports += other.reports;
  probe_reports += other.probe_reports;
  hazard_reports += other.hazard_reports;
  sign_reports += other.sign_reports;
  weather_reports += other.weather_reports;
  speed_n += other.speed_n;
  speed_sum_cms += other.speed_sum_cms;
  speed_sumsq += other.speed_sumsq;
}

}  // namespace roadsense::db
