// TileAggregator: pre-aggregates report batches in memory into per-(zoom-16 tile, time bucket)
// TileStats, so that a receive of up to 10 batches becomes one set-based upsert.
//
// Placement: tile = geo::TileForPoint(position), bucket = geo::BucketStartMs(observed_time_ms,
// bucket_seconds). A report without a position cannot be placed and is counted in
// unplaced_reports() only. Every placed report has a speed (proto3: 0 cm/s is a valid speed).
// Not thread-safe; one per thread.
#pragma once

#include <cstdint>

#include "db/tile_stats.h"
#include "schema/roadsense.pb.h"

namespace roadsense::worker {

class TileAggregator {
 public:
  explicit TileAggregator(int64_t bucket_seconds);

  void Add(const v1::ReportBatch& batch);
  void Add(const v1::Report& report);

  const db::TileStatsMap& tiles() const { return tiles_; }
  int64_t placed_reports() const { return placed_reports_; }
  int64_t unplaced_reports() const { return unplaced_reports_; }

  // Hands out the aggregates and starts over.
  db::TileStatsMap Take();

 private:
  int64_t bucket_seconds_;
  db::TileStatsMap tiles_;
  int64_t placed_reports_ = 0;
  int64_t unplaced_reports_ = 0;
};

}  // namespace roadsense::worker
