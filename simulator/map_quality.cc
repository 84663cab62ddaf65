#include "simulator/map_quality.h"

#include <algorithm>
#include <cmath>
#include <tuple>

namespace roadsense::simulator {
namespace {

constexpr double kEarthRadiusM = 6371008.8;
constexpr double kDegToRad = M_PI / 180.0;

double TileLatDeg(int32_t y, int32_t z) {
  const double n = std::ldexp(1.0, z);
  return std::atan(std::sinh(M_PI * (1 - 2 * y / n))) / kDegToRad;
}

double TileLonDeg(int32_t x, int32_t z) { return x / std::ldexp(1.0, z) * 360.0 - 180.0; }

// Worse statuses never override better ones: a site with one visible cluster is expected.
int Rank(SiteStatus s) {
  switch (s) {
    case SiteStatus::kExpected:
      return 5;
    case SiteStatus::kUnderCounted:
      return 4;
    case SiteStatus::kCancelled:
      return 3;
    case SiteStatus::kExpired:
      return 2;
    case SiteStatus::kBelowK:
      return 1;
    case SiteStatus::kNotReported:
      return 0;
  }
  return 0;
}

SiteStatus ClusterStatus(const HazardClusterTruth& c, int64_t k, int64_t now_ms) {
  if (c.VisibleAt(now_ms, k)) return SiteStatus::kExpected;
  if (static_cast<int64_t>(c.vehicles.size()) < k) return SiteStatus::kBelowK;
  if (c.last_cancelled_ms && c.last_seen_ms && *c.last_cancelled_ms >= *c.last_seen_ms) {
    return SiteStatus::kCancelled;
  }
  return c.LiveAt(now_ms) ? SiteStatus::kUnderCounted : SiteStatus::kExpired;
}

std::optional<double> Share(int64_t part, int64_t whole) {
  if (whole == 0) return std::nullopt;
  return static_cast<double>(part) / static_cast<double>(whole);
}

}  // namespace

const char* SiteStatusName(SiteStatus s) {
  switch (s) {
    case SiteStatus::kExpected:
      return "expected";
    case SiteStatus::kNotReported:
      return "not reported";
    case SiteStatus::kBelowK:
      return "below k";
    case SiteStatus::kCancelled:
      return "cancelled";
    case SiteStatus::kExpired:
      return "expired";
    case SiteStatus::kUnderCounted:
      return "under-counted";
  }
  return "?";
}

std::string HazardTypeName(int32_t hazard_type) {
  static const char* const kNames[] = {
      "unknown",  "slippery_road", "fog",        "breakdown", "emergency_braking",
      "accident", "roadworks",     "heavy_rain", "obstacle",  "end_of_queue"};
  if (hazard_type < 0 || hazard_type >= static_cast<int32_t>(std::size(kNames))) return "unknown";
  return kNames[hazard_type];
}

std::optional<double> HazardQuality::recall() const { return Share(recalled, expected); }
std::optional<double> HazardQuality::precision() const { return Share(true_rows, rows); }
std::optional<double> SpeedLimitQuality::recovery() const { return Share(recovered, expected); }

double MapQuality::DistanceToTileM(double lat_deg, double lon_deg, geo::TileKey tile) {
  const double north = TileLatDeg(tile.y, tile.z), south = TileLatDeg(tile.y + 1, tile.z);
  const double west = TileLonDeg(tile.x, tile.z), east = TileLonDeg(tile.x + 1, tile.z);
  const double lat = std::clamp(lat_deg, south, north);
  const double lon = std::clamp(lon_deg, west, east);
  // Equirectangular: exact to well under a metre over the few hundred metres compared here.
  const double dy = (lat - lat_deg) * kDegToRad * kEarthRadiusM;
  const double dx = (lon - lon_deg) * kDegToRad * kEarthRadiusM * std::cos(lat_deg * kDegToRad);
  return std::hypot(dx, dy);
}

bool MapQuality::Matches(const SeededHazard& site, const ActiveHazardRow& row) {
  return row.hazard_type == site.hazard_type && row.last_seen_ms >= site.start_ms &&
         row.first_seen_ms <= site.end_ms + kHazardReportLagMs &&
         DistanceToTileM(site.lat_deg, site.lon_deg, row.tile) <=
             site.radius_m + kHazardMatchSlackM;
}

HazardQuality MapQuality::Hazards(const SeededMap& seeded, const HazardClusterMap& truth,
                                  const std::vector<ActiveHazardRow>& rows, int64_t k,
                                  int64_t now_ms) {
  HazardQuality q;
  for (const SeededHazard& h : seeded.hazards) {
    SiteOutcome o;
    o.site = h.site;
    o.hazard_type = h.hazard_type;
    o.ended = h.end_ms <= now_ms;
    q.sites.push_back(o);
    ++q.by_type[h.hazard_type].seeded;
  }
  for (const auto& [key, cluster] : truth) {
    for (size_t site : cluster.sites) {
      if (site >= q.sites.size()) continue;
      SiteOutcome& o = q.sites[site];
      const SiteStatus s = ClusterStatus(cluster, k, now_ms);
      if (Rank(s) > Rank(o.status)) o.status = s;
      o.max_cluster_vehicles =
          std::max(o.max_cluster_vehicles, static_cast<int64_t>(cluster.vehicles.size()));
    }
  }
  for (const ActiveHazardRow& row : rows) {
    bool matches_expected = false, matches_any = false;
    for (size_t i = 0; i < seeded.hazards.size(); ++i) {
      if (!Matches(seeded.hazards[i], row)) continue;
      matches_any = true;
      const SiteStatus status = q.sites[i].status;
      if (status == SiteStatus::kExpected || status == SiteStatus::kUnderCounted) {
        matches_expected = true;
        ++q.sites[i].matching_rows;
      }
    }
    HazardTypeCounts& t = q.by_type[row.hazard_type];
    ++q.rows;
    ++t.rows;
    if (matches_expected) {
      ++q.true_rows;
      ++t.true_rows;
    } else if (matches_any) {
      ++q.unexpected_rows;
    } else {
      ++q.unmatched_rows;
    }
  }
  for (const SiteOutcome& o : q.sites) {
    if (o.status != SiteStatus::kExpected) continue;
    HazardTypeCounts& t = q.by_type[o.hazard_type];
    ++q.expected;
    ++t.expected;
    if (o.ended) ++q.expected_ended;
    if (o.matching_rows > 0) {
      ++q.recalled;
      ++t.recalled;
    }
  }
  return q;
}

SpeedLimitQuality MapQuality::SpeedLimits(const SeededMap& seeded, const SpeedLimitVoteMap& truth,
                                          const std::vector<SpeedLimitRow>& rows, int64_t k) {
  SpeedLimitQuality q;
  q.rows = static_cast<int64_t>(rows.size());
  std::map<SpeedLimitCellKey, int32_t> shown;
  for (const SpeedLimitRow& r : rows) shown[r.cell] = r.limit_kmh;
  for (const SeededSpeedLimit& limit : seeded.speed_limits) {
    ++q.seeded;
    const auto votes = truth.find(limit.cell);
    if (votes == truth.end()) continue;
    // The view's winner: most votes, then the most recently seen, then the lowest value.
    const auto winner = std::max_element(
        votes->second.begin(), votes->second.end(), [](const auto& a, const auto& b) {
          return std::make_tuple(a.second.votes, a.second.last_seen_ms, -a.first) <
                 std::make_tuple(b.second.votes, b.second.last_seen_ms, -b.first);
        });
    if (winner->first != limit.limit_kmh ||
        static_cast<int64_t>(winner->second.vehicles.size()) < k ||
        SketchedVehicles(winner->second.vehicles) < k) {
      continue;
    }
    ++q.expected;
    const auto row = shown.find(limit.cell);
    if (row != shown.end() && row->second == limit.limit_kmh) {
      ++q.recovered;
      continue;
    }
    ++(row == shown.end() ? q.missing : q.wrong_value);
    q.misses.push_back(limit);
  }
  return q;
}

}  // namespace roadsense::simulator
