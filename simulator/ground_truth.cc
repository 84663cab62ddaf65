#include "simulator/ground_truth.h"

namespace roadsense::simulator {

CellCounts& CellCounts::operator+=(const CellCounts& o) {
  reports += o.reports;
  probe_reports += o.probe_reports;
  hazard_reports += o.hazard_reports;
  sign_reports += o.sign_reports;
  weather_reports += o.weather_reports;
  speed_n += o.speed_n;
  speed_sum_cms += o.speed_sum_cms;
  return *this;
}

CellCounts& CellCounts::operator-=(const CellCounts& o) {
  reports -= o.reports;
  probe_reports -= o.probe_reports;
  hazard_reports -= o.hazard_reports;
  sign_reports -= o.sign_reports;
  weather_reports -= o.weather_reports;
  speed_n -= o.speed_n;
  speed_sum_cms -= o.speed_sum_cms;
  return *this;
}

void GroundTruth::Add(const roadsense::v1::ReportBatch& batch) {
  for (const auto& r : batch.reports()) {
    const auto& pos = r.position();
    CellCounts& c = cells_[CellKey{geo::TileForPoint(pos.lat_e7(), pos.lon_e7()),
                                   geo::BucketStartMs(r.observed_time_ms(), bucket_seconds_)}];
    ++c.reports;
    switch (r.payload_case()) {
      case roadsense::v1::Report::kProbe:
        ++c.probe_reports;
        break;
      case roadsense::v1::Report::kHazard:
        ++c.hazard_reports;
        break;
      case roadsense::v1::Report::kSign:
        ++c.sign_reports;
        break;
      case roadsense::v1::Report::kWeather:
        ++c.weather_reports;
        break;
      case roadsense::v1::Report::PAYLOAD_NOT_SET:
        break;
    }
    // Every simulated report carries a position with a speed (schema: speed 0 is a valid value).
    if (r.has_position()) {
      ++c.speed_n;
      c.speed_sum_cms += pos.speed_cms();
    }
  }
}

CellCounts GroundTruth::Totals() const {
  CellCounts t;
  for (const auto& [key, counts] : cells_) t += counts;
  return t;
}

}  // namespace roadsense::simulator
