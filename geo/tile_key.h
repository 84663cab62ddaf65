// TileKey and TimeBucket: how roadsense cuts the map and time into aggregation cells.
//
// Tiles are slippy-map (Web Mercator) tiles z/x/y; latitudes are clamped to ±85.05112878°, the
// edge of the projection. Coordinates come as integer degrees × 1e7 (the wire format's unit).
// Pure functions, thread-safe (TileLocator: see there).
#pragma once

#include <compare>
#include <cstdint>
#include <string>

namespace roadsense::geo {

inline constexpr int kBaseZoom = 16;
inline constexpr int kMaxZoom = 30;
inline constexpr double kMaxLatitude = 85.05112878;

struct TileKey {
  int32_t z = 0;
  int32_t x = 0;
  int32_t y = 0;
  auto operator<=>(const TileKey&) const = default;
};

// The tile at zoom `z` (0..kMaxZoom) containing the point.
TileKey TileForPoint(int32_t lat_e7, int32_t lon_e7, int z = kBaseZoom);
TileKey TileForDegrees(double lat, double lon, int z = kBaseZoom);

// TileLocator: TileForPoint for a stream of nearby points at one zoom — one vehicle's consecutive
// reports — with exactly TileForPoint's result, but without the row's sin and log while a point
// is provably in the row of an earlier one. After computing a row it keeps the range of integer
// latitudes that must give the same row: the quick row value was at least a margin (the guard
// that decides when the reference formula is needed, plus as much again for the rounding of the
// two evaluations) inside the row, and the row value cannot move faster than its derivative,
// bounded over the range. The column is computed every time (a division and a floor). Latitudes
// beyond ±80° always take TileForPoint. Not thread-safe: one per aggregating thread.
class TileLocator {
 public:
  explicit TileLocator(int z = kBaseZoom);
  TileKey Locate(int32_t lat_e7, int32_t lon_e7);

 private:
  int z_;
  double n_;  // 2^z
  bool cached_ = false;
  int32_t row_ = 0;
  int32_t min_lat_e7_ = 0;  // [min, max]: latitudes proven to lie in row_
  int32_t max_lat_e7_ = 0;
};

// The tile's parent at a lower zoom (z_parent <= key.z).
TileKey ParentTile(TileKey key, int z_parent);

// Quadkey ("0".."3" per level, most significant first; "" at zoom 0). A quadkey's prefix of
// length k is its ancestor at zoom k.
std::string Quadkey(TileKey key);

// One aggregation cell: a tile and the start of a time bucket (epoch ms). The key of the worker's
// tile rows and of the simulator's ground truth alike.
struct TileBucketKey {
  TileKey tile;
  int64_t bucket_start_ms = 0;
  auto operator<=>(const TileBucketKey&) const = default;
};

// Start of the time bucket containing `time_ms` (epoch milliseconds), buckets of `bucket_s` s.
// Needs bucket_s >= 1 and a start that fits in int64: time_ms >= INT64_MIN + bucket_s × 1000.
inline int64_t BucketStartMs(int64_t time_ms, int64_t bucket_s) {
  const int64_t len = bucket_s * 1000;
  int64_t q = time_ms / len;
  if (time_ms % len < 0) --q;  // floor for times before the epoch
  return q * len;
}

}  // namespace roadsense::geo
