// MapQuality: how well what consumers see (the active_hazards and speed_limits views) recovers
// the seeded ground truth, given what the acknowledged reports told the pipeline. Pure functions
// over the seeded map, the ground-truth bookkeeping and the rows read; no I/O.
//
// Hazards (rules in simulator/README.md, "Quality"):
// - A row *matches* a seeded site when the types are equal, the row's zoom-18 tile comes within
//   the site's radius + kHazardMatchSlackM of the site, and the row's reports [first_seen,
//   last_seen] overlap the site's lifetime [start, end + kHazardReportLagMs] (a cluster may hold
//   reports of two sites of one type that share its tile, one after the other).
// - A site is *expected* (consumers must see it) when one of the clusters its acknowledged reports
//   fell into is visible by the map model at the database's now(): ≥ k distinct vehicles by the
//   map's sketch, not expired, latest word not a cancellation (HazardClusterTruth::VisibleAt).
//   Sites reported by fewer than k vehicles per cluster are legitimately unpublished and do not
//   count. A live cluster of ≥ k vehicles whose sketch counts fewer (a register collision) *may*
//   be shown — the view takes the larger of the sketch and the most vehicles one worker commit
//   saw — so its site is *under-counted*: neither counted for recall nor against precision.
// - recall = expected sites matched by ≥ 1 row / expected sites;
//   precision = rows matching an expected or under-counted site / rows.
// Speed limits: a seeded limit (cell, value) is expected when, among the acknowledged votes of its
// cell, its value wins (most votes, then most recent, then lowest) with ≥ k distinct vehicles;
// recovery = expected limits whose cell the speed_limits view shows with that value / expected.
// "≥ k distinct vehicles" is by the sketch here too (SketchedVehicles).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "geo/tile_key.h"
#include "simulator/ground_truth.h"
#include "simulator/seeded_map.h"

namespace roadsense::simulator {

inline constexpr double kHazardMatchSlackM = 25;       // GPS noise (σ 1.5 m), rounding
inline constexpr int64_t kHazardReportLagMs = 60'000;  // a report waits a few ticks to go out

// One active_hazards row (times epoch ms).
struct ActiveHazardRow {
  geo::TileKey tile;  // zoom 18
  int32_t hazard_type = 0;
  int64_t distinct_vehicles = 0;
  int64_t first_seen_ms = 0;
  int64_t last_seen_ms = 0;
};

// One speed_limits row.
struct SpeedLimitRow {
  SpeedLimitCellKey cell;
  int32_t limit_kmh = 0;
  int64_t distinct_vehicles = 0;
};

enum class SiteStatus {
  kExpected,      // consumers must see it
  kNotReported,   // no acknowledged report while it was present
  kBelowK,        // fewer than k distinct vehicles in each of its clusters
  kCancelled,     // its clusters' latest word is a cancellation
  kExpired,       // past its clusters' expiry
  kUnderCounted,  // live, ≥ k vehicles, but the sketch counts < k: may or may not be shown
};
inline constexpr int kSiteStatusCount = 6;
const char* SiteStatusName(SiteStatus s);

struct SiteOutcome {
  size_t site = 0;
  int32_t hazard_type = 0;
  SiteStatus status = SiteStatus::kNotReported;
  int64_t max_cluster_vehicles = 0;  // most distinct vehicles in one of its clusters
  int64_t matching_rows = 0;
  bool ended = false;  // gone from the road at `now` (shown until TTL or a cancellation)
};

struct HazardTypeCounts {
  int64_t seeded = 0, expected = 0, recalled = 0;
  int64_t rows = 0, true_rows = 0;
};

struct HazardQuality {
  std::vector<SiteOutcome> sites;  // one per seeded site, in scenario order
  std::map<int32_t, HazardTypeCounts> by_type;
  int64_t expected = 0, recalled = 0;
  int64_t rows = 0, true_rows = 0;
  int64_t unmatched_rows = 0;   // near no seeded site of their type: phantoms or misplaced
  int64_t unexpected_rows = 0;  // match only sites that must not be shown
  int64_t expected_ended = 0;   // expected sites already gone from the road

  std::optional<double> recall() const;     // nullopt: nothing expected
  std::optional<double> precision() const;  // nullopt: no rows
};

struct SpeedLimitQuality {
  int64_t seeded = 0;                    // seeded (cell, value) pairs
  int64_t expected = 0;                  // of them, publishable by the votes
  int64_t recovered = 0;                 // shown with the seeded value
  int64_t wrong_value = 0;               // shown with another value
  int64_t missing = 0;                   // not shown
  int64_t rows = 0;                      // speed_limits rows read
  std::vector<SeededSpeedLimit> misses;  // expected but not recovered, ascending

  std::optional<double> recovery() const;  // nullopt: nothing expected
};

class MapQuality {
 public:
  // Distance in metres from a point to a tile's rectangle (0 inside).
  static double DistanceToTileM(double lat_deg, double lon_deg, geo::TileKey tile);
  static bool Matches(const SeededHazard& site, const ActiveHazardRow& row);

  static HazardQuality Hazards(const SeededMap& seeded, const HazardClusterMap& truth,
                               const std::vector<ActiveHazardRow>& rows, int64_t k, int64_t now_ms);
  static SpeedLimitQuality SpeedLimits(const SeededMap& seeded, const SpeedLimitVoteMap& truth,
                                       const std::vector<SpeedLimitRow>& rows, int64_t k);
};

// "slippery_road", "fog", ... as active_hazards.hazard names them.
std::string HazardTypeName(int32_t hazard_type);

}  // namespace roadsense::simulator
