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

void TileStats::AddSpeed(int32_t speed_cms) {
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
