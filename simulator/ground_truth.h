// GroundTruth: what the map must contain after the pipeline has processed the acknowledged
// batches — per (z16 tile, time bucket) counts of reports by kind and the speed sums.
//
// Tiles and buckets come from geo::TileForPoint / geo::BucketStartMs, the functions the worker
// uses. Not thread-safe; the LoadRunner serialises Add().
#pragma once

#include <cstdint>
#include <map>

#include "geo/tile_key.h"
#include "schema/roadsense.pb.h"

namespace roadsense::simulator {

// A tile_stats row's key: tile plus bucket start (epoch ms).
using CellKey = geo::TileBucketKey;

// The tile_stats columns the verifier compares exactly.
struct CellCounts {
  int64_t reports = 0;
  int64_t probe_reports = 0;
  int64_t hazard_reports = 0;
  int64_t sign_reports = 0;
  int64_t weather_reports = 0;
  int64_t speed_n = 0;
  int64_t speed_sum_cms = 0;

  CellCounts& operator+=(const CellCounts& o);
  CellCounts& operator-=(const CellCounts& o);
  bool operator==(const CellCounts&) const = default;
  bool IsZero() const { return *this == CellCounts{}; }
};

using CellMap = std::map<CellKey, CellCounts>;

class GroundTruth {
 public:
  explicit GroundTruth(int64_t bucket_seconds) : bucket_seconds_(bucket_seconds) {}

  // Counts every report of an acknowledged batch.
  void Add(const roadsense::v1::ReportBatch& batch);

  const CellMap& cells() const { return cells_; }
  CellCounts Totals() const;
  int64_t bucket_seconds() const { return bucket_seconds_; }

 private:
  int64_t bucket_seconds_;
  CellMap cells_;
};

}  // namespace roadsense::simulator
