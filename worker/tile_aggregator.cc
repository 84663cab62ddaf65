#include "worker/tile_aggregator.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "db/hyper_log_log.h"
#include "geo/tile_key.h"

namespace roadsense::worker {
namespace {

constexpr int64_t kDefaultHazardTtlS = 600;  // schema: ttl_s 0 means 600

}  // namespace

TileAggregator::TileAggregator(int64_t bucket_seconds) : bucket_seconds_(bucket_seconds) {}

void TileAggregator::Add(const v1::ReportBatch& batch) {
  const uint64_t vehicle = db::HyperLogLog::Hash64(batch.envelope().vehicle_pseudonym());
  for (const v1::Report& report : batch.reports()) Add(report, vehicle);
}

void TileAggregator::Add(const v1::Report& report, uint64_t vehicle) { AddReport(report, vehicle); }

void TileAggregator::Add(std::string_view vehicle_pseudonym,
                         std::span<const ScannedReport> reports) {
  const uint64_t vehicle = db::HyperLogLog::Hash64(vehicle_pseudonym);
  for (const ScannedReport& report : reports) AddReport(report, vehicle);
}

// `Report` is v1::Report or ScannedReport, which answer the same accessors.
template <typename Report>
void TileAggregator::AddReport(const Report& report, uint64_t vehicle) {
  if (!report.has_position()) {
    ++unplaced_reports_;
    return;
  }
  const auto& pos = report.position();
  const int64_t observed = report.observed_time_ms();
  const geo::TileKey tile = locator_.Locate(pos.lat_e7(), pos.lon_e7());
  const db::TileBucketKey key{tile, geo::BucketStartMs(observed, bucket_seconds_)};
  // A batch is one vehicle's consecutive reports, so most land in the tile and bucket of the
  // report before: skip the map descent then (std::map references stay valid until Take()).
  if (last_stats_ == nullptr || !(key == last_key_)) {
    last_key_ = key;
    last_stats_ = &delta_.tiles[key];
  }
  db::TileStats& stats = *last_stats_;
  stats.AddObservation(observed);
  stats.vehicles.Add(vehicle);
  switch (report.payload_case()) {
    case v1::Report::kProbe:
      ++stats.probe_reports;
      break;
    case v1::Report::kHazard: {
      ++stats.hazard_reports;
      const auto& h = report.hazard();
      const db::HazardKey hazard_key{geo::TileForPoint(pos.lat_e7(), pos.lon_e7(), db::kHazardZoom),
                                     static_cast<int32_t>(h.type())};
      const int64_t ttl_s = h.ttl_s() == 0 ? kDefaultHazardTtlS : h.ttl_s();
      delta_.hazards[hazard_key].Add(
          vehicle, observed, h.cancellation(), ttl_s,
          static_cast<int32_t>(std::min<uint32_t>(h.confidence_pct(), 100)));
      break;
    }
    case v1::Report::kSign: {
      ++stats.sign_reports;
      const auto& sign = report.sign();
      if (sign.type() == v1::SIGN_TYPE_SPEED_LIMIT && sign.value() > 0 && sign.value() <= 300) {
        const db::SpeedLimitKey vote_key{tile, db::SpeedLimitKey::HeadingSector(pos.heading_cdeg()),
                                         static_cast<int32_t>(sign.value())};
        delta_.speed_limits[vote_key].Add(vehicle, observed);
      }
      break;
    }
    case v1::Report::kWeather: {
      ++stats.weather_reports;
      const auto& w = report.weather();
      if (w.wipers() >= v1::WIPER_STATE_OFF && w.wipers() <= v1::WIPER_STATE_HIGH) {
        ++stats.wiper_reports[static_cast<size_t>(w.wipers() - v1::WIPER_STATE_OFF)];
      }
      stats.fog_front_reports += w.fog_lights_front() ? 1 : 0;
      stats.fog_rear_reports += w.fog_lights_rear() ? 1 : 0;
      if (w.has_outside_temp_dc()) stats.AddTemperature(w.outside_temp_dc());
      break;
    }
    case v1::Report::PAYLOAD_NOT_SET:
      break;
  }
  // The schema caps speed at 15000 cm/s; a value that does not even fit the column is not a speed.
  if (pos.speed_cms() <= static_cast<uint32_t>(std::numeric_limits<int32_t>::max())) {
    stats.AddSpeed(static_cast<int32_t>(pos.speed_cms()));
  }
  ++placed_reports_;
}

db::MapDelta TileAggregator::Take() {
  db::MapDelta out;
  std::swap(out, delta_);
  last_stats_ = nullptr;
  placed_reports_ = 0;
  unplaced_reports_ = 0;
  return out;
}

}  // namespace roadsense::worker
