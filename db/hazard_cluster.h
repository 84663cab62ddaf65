// HazardCluster: the mergeable aggregates of one hazard_clusters row — the hazard reports of one
// type inside one zoom-18 tile — and HazardKey, the row's primary key. Times in epoch ms.
// Value types; not thread-safe.
#pragma once

#include <compare>
#include <cstdint>
#include <map>
#include <optional>

#include "db/vehicle_set.h"
#include "geo/tile_key.h"

namespace roadsense::db {

inline constexpr int kHazardZoom = 18;

struct HazardKey {
  geo::TileKey tile;    // zoom kHazardZoom
  int32_t hazard_type;  // roadsense.v1.HazardType
  auto operator<=>(const HazardKey&) const = default;
};

struct HazardCluster {
  int64_t reports = 0;  // cancellations included
  int64_t cancellations = 0;
  int64_t confidence_sum = 0;                // confidence_pct of non-cancellation reports
  int64_t first_seen_ms = 0;                 // meaningful only when reports > 0
  std::optional<int64_t> last_seen_ms;       // latest non-cancellation report
  std::optional<int64_t> last_cancelled_ms;  // latest cancellation
  std::optional<int64_t> expires_ms;         // max(observed + ttl) over non-cancellation reports
  VehicleSet vehicles;

  // One report by `vehicle` observed at `observed_ms`; ttl_s and confidence are ignored for a
  // cancellation. observed_ms + ttl_s × 1000 must fit in int64 (the worker bounds both).
  void Add(uint64_t vehicle, int64_t observed_ms, bool cancellation, int64_t ttl_s,
           int32_t confidence_pct);
  void Merge(const HazardCluster& other);
  bool operator==(const HazardCluster&) const = default;
};

// Sorted by key = lock order.
using HazardClusterMap = std::map<HazardKey, HazardCluster>;

}  // namespace roadsense::db
