// TileAggregator: pre-aggregates report batches in memory into every map layer (db::MapDelta), so
// that a receive of up to 10 batches becomes one set-based upsert per layer.
//
// Placement: tile = geo::TileForPoint(position), bucket = geo::BucketStartMs(observed_time_ms,
// bucket_seconds). A report without a position cannot be placed and is counted in
// unplaced_reports() only. Every placed report has a speed (proto3: 0 cm/s is a valid speed).
// Layers: traffic and weather per (zoom-16 tile, bucket); hazards per (zoom-18 tile, type);
// speed-limit signs per (zoom-16 tile, heading sector, value). Vehicles are identified by
// db::HyperLogLog::Hash64(vehicle_pseudonym) of the batch envelope.
// Times: every report's observed_time_ms must lie in kMinUploadTimeMs..kMaxUploadTimeMs
// (queued_batch_decoder.h; DecodeQueuedUploads checks every queued upload), so that its bucket
// start and a hazard's expiry (+ ttl_s) are exact int64 values.
// Not thread-safe; one per thread.
#pragma once

#include <cstdint>
#include <span>

#include "db/map_delta.h"
#include "geo/tile_key.h"
#include "schema/roadsense.pb.h"
#include "worker/upload_scanner.h"

namespace roadsense::worker {

class TileAggregator {
 public:
  explicit TileAggregator(int64_t bucket_seconds);

  void Add(const v1::ReportBatch& batch);
  // One report of the vehicle whose pseudonym hashes to `vehicle`.
  void Add(const v1::Report& report, uint64_t vehicle);
  // The same for an upload read by UploadScanner (the same code runs on both).
  void Add(std::string_view vehicle_pseudonym, std::span<const ScannedReport> reports);

  const db::TileStatsMap& tiles() const { return delta_.tiles; }
  const db::HazardClusterMap& hazards() const { return delta_.hazards; }
  const db::SpeedLimitVoteMap& speed_limits() const { return delta_.speed_limits; }
  int64_t placed_reports() const { return placed_reports_; }
  int64_t unplaced_reports() const { return unplaced_reports_; }

  // Hands out the aggregates and starts over.
  db::MapDelta Take();

 private:
  template <typename Report>
  void AddReport(const Report& report, uint64_t vehicle);

  int64_t bucket_seconds_;
  geo::TileLocator
      locator_;  // base-zoom tiles: a batch's reports are one vehicle's, close together
  db::MapDelta delta_;
  db::TileBucketKey last_key_{};         // the tile row of the previous placed report…
  db::TileStats* last_stats_ = nullptr;  // …in delta_.tiles (null: none since Take())
  int64_t placed_reports_ = 0;
  int64_t unplaced_reports_ = 0;
};

}  // namespace roadsense::worker
