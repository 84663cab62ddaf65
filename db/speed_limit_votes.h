// SpeedLimitVotes: the mergeable aggregates of one speed_limit_votes row — observations of one
// posted speed limit in one zoom-16 tile by vehicles heading into one 45° sector — and
// SpeedLimitKey, the row's primary key. Times in epoch ms. Value types; not thread-safe.
#pragma once

#include <algorithm>
#include <compare>
#include <cstdint>
#include <map>

#include "db/vehicle_set.h"
#include "geo/tile_key.h"

namespace roadsense::db {

struct SpeedLimitKey {
  geo::TileKey tile;
  int32_t heading_sector = 0;  // 0 = N (337.5°..22.5°), 1 = NE, ... 7 = NW
  int32_t limit_kmh = 0;
  auto operator<=>(const SpeedLimitKey&) const = default;

  // Sector of a course over ground in centidegrees (0..35999).
  static int32_t HeadingSector(uint32_t heading_cdeg) {
    return static_cast<int32_t>(((heading_cdeg % 36000) + 2250) / 4500 % 8);
  }
};

struct SpeedLimitVotes {
  int64_t votes = 0;
  int64_t first_seen_ms = 0;  // meaningful only when votes > 0
  int64_t last_seen_ms = 0;
  VehicleSet vehicles;

  void Add(uint64_t vehicle, int64_t observed_ms) {
    first_seen_ms = votes == 0 ? observed_ms : std::min(first_seen_ms, observed_ms);
    last_seen_ms = votes == 0 ? observed_ms : std::max(last_seen_ms, observed_ms);
    ++votes;
    vehicles.Add(vehicle);
  }
  void Merge(const SpeedLimitVotes& other) {
    if (other.votes == 0) return;
    first_seen_ms = votes == 0 ? other.first_seen_ms : std::min(first_seen_ms, other.first_seen_ms);
    last_seen_ms = votes == 0 ? other.last_seen_ms : std::max(last_seen_ms, other.last_seen_ms);
    votes += other.votes;
    vehicles.Merge(other.vehicles);
  }
  bool operator==(const SpeedLimitVotes&) const = default;
};

// Sorted by key = lock order.
using SpeedLimitVoteMap = std::map<SpeedLimitKey, SpeedLimitVotes>;

}  // namespace roadsense::db
