#include "worker/tile_aggregator.h"

#include <limits>

#include "geo/tile_key.h"

namespace roadsense::worker {

TileAggregator::TileAggregator(int64_t bucket_seconds) : bucket_seconds_(bucket_seconds) {}

void TileAggregator::Add(const v1::ReportBatch& batch) {
  for (const v1::Report& report : batch.reports()) Add(report);
}

void TileAggregator::Add(const v1::Report& report) {
  if (!report.has_position()) {
    ++unplaced_reports_;
    return;
  }
  const v1::Position& pos = report.position();
  const db::TileBucketKey key{geo::TileForPoint(pos.lat_e7(), pos.lon_e7()),
                              geo::BucketStartMs(report.observed_time_ms(), bucket_seconds_)};
  db::TileStats& stats = tiles_[key];
  stats.AddObservation(report.observed_time_ms());
  switch (report.payload_case()) {
    case v1::Report::kProbe:
      ++stats.probe_reports;
      break;
    case v1::Report::kHazard:
      ++stats.hazard_reports;
      break;
    case v1::Report::kSign:
      ++stats.sign_reports;
      break;
    case v1::Report::kWeather:
      ++stats.weather_reports;
      break;
    case v1::Report::PAYLOAD_NOT_SET:
      break;
  }
  // The schema caps speed at 15000 cm/s; a value that does not even fit the column is not a speed.
  if (pos.speed_cms() <= static_cast<uint32_t>(std::numeric_limits<int32_t>::max())) {
    stats.AddSpeed(static_cast<int32_t>(pos.speed_cms()));
  }
  ++placed_reports_;
}

db::TileStatsMap TileAggregator::Take() {
  db::TileStatsMap out;
  out.swap(tiles_);
  placed_reports_ = 0;
  unplaced_reports_ = 0;
  return out;
}

}  // namespace roadsense::worker
