// GroundTruth: what the acknowledged batches told the pipeline — the bookkeeping the verifier
// compares the map with.
//
// - Exact layer: per (z16 tile, time bucket) counts of reports by kind and the speed sums.
// - Hazard layer: per map cluster (zoom-18 tile, hazard type) the distinct vehicles (pseudonyms,
//   cancellations included, as the map counts them), the latest report and cancellation, the
//   expiry (max observed + ttl) and which scenario sites its reports were about.
// - Sign layer: per (z16 tile, heading sector) and posted value, the votes and distinct vehicles.
//
// Tiles, buckets and sectors come from geo::TileForPoint / geo::BucketStartMs /
// db::SpeedLimitKey::HeadingSector, the functions the worker uses. Not thread-safe; the
// LoadRunner serialises Add().
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>

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

// An active_hazards row's key: zoom-18 tile and roadsense.v1.HazardType.
struct HazardClusterKey {
  geo::TileKey tile;
  int32_t hazard_type = 0;
  auto operator<=>(const HazardClusterKey&) const = default;
};

// The distinct-vehicle count the map's sketch gives for `vehicles` (db::HyperLogLog::Hash64 of
// pseudonyms). A view shows max(this, the most vehicles one worker commit saw): never fewer than
// this, never more than vehicles.size(). Two vehicles whose hashes share a sketch register count
// once (db/hyper_log_log.md), so it can be below the exact count — about 1 % of 5-vehicle sets.
int64_t SketchedVehicles(const std::set<uint64_t>& vehicles);

struct HazardClusterTruth {
  std::set<uint64_t> vehicles;          // HyperLogLog::Hash64(pseudonym), cancellations included
  int64_t reports = 0;                  // cancellations included
  std::optional<int64_t> last_seen_ms;  // latest non-cancellation report
  std::optional<int64_t> last_cancelled_ms;  // latest cancellation
  std::optional<int64_t> expires_ms;         // max(observed + ttl) of non-cancellation reports
  std::set<size_t> sites;                    // scenario sites of its non-cancellation reports
  int64_t phantom_reports = 0;               // non-cancellation reports of no site

  // Not expired at `now_ms` and the latest word is not a cancellation.
  bool LiveAt(int64_t now_ms) const;
  // Consumers must see it at `now_ms` by the map model of db/README.md: live and at least k
  // distinct vehicles by the sketch (SketchedVehicles).
  bool VisibleAt(int64_t now_ms, int64_t k) const;
};

using HazardClusterMap = std::map<HazardClusterKey, HazardClusterTruth>;

// A speed_limits row's key: z16 tile and heading sector (0 = N ... 7 = NW).
struct SpeedLimitCellKey {
  geo::TileKey tile;
  int32_t heading_sector = 0;
  auto operator<=>(const SpeedLimitCellKey&) const = default;
};

struct SpeedLimitVoteTruth {
  std::set<uint64_t> vehicles;  // HyperLogLog::Hash64(pseudonym)
  int64_t votes = 0;
  int64_t last_seen_ms = 0;
};

// Per cell, the votes per posted value (km/h).
using SpeedLimitVoteMap = std::map<SpeedLimitCellKey, std::map<int32_t, SpeedLimitVoteTruth>>;

class GroundTruth {
 public:
  explicit GroundTruth(int64_t bucket_seconds) : bucket_seconds_(bucket_seconds) {}

  // Counts every report of an acknowledged batch.
  void Add(const roadsense::v1::ReportBatch& batch);

  const CellMap& cells() const { return cells_; }
  const HazardClusterMap& hazard_clusters() const { return hazard_clusters_; }
  const SpeedLimitVoteMap& speed_limit_votes() const { return speed_limit_votes_; }
  CellCounts Totals() const;
  int64_t bucket_seconds() const { return bucket_seconds_; }

 private:
  void AddHazard(const roadsense::v1::Report& r, uint64_t vehicle);
  void AddSign(const roadsense::v1::Report& r, uint64_t vehicle);

  int64_t bucket_seconds_;
  CellMap cells_;
  HazardClusterMap hazard_clusters_;
  SpeedLimitVoteMap speed_limit_votes_;
};

}  // namespace roadsense::simulator
