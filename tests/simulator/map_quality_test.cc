#include "simulator/map_quality.h"

#include <gtest/gtest.h>

#include <cmath>

#include "db/hazard_cluster.h"

namespace roadsense::simulator {
namespace {

constexpr double kLat = 48.137, kLon = 11.575;
constexpr int64_t kStart = 1'764'000'000'000;
constexpr int64_t kEnd = kStart + 600'000;
constexpr int64_t kNow = kStart + 300'000;
constexpr int64_t kK = 5;
constexpr int32_t kAccident = roadsense::v1::HAZARD_TYPE_ACCIDENT;

// The hash of test vehicle `v`: its top 10 bits pick sketch register v (db/hyper_log_log.md), so
// vehicles 0..1023 count as distinct in the map's sketch, and `v` and `v + 1024` share a register.
uint64_t Vehicle(int v) {
  return (static_cast<uint64_t>(v % 1024) << 54) | (uint64_t{1} << (v / 1024));
}

geo::TileKey TileAt(double north_m, double east_m = 0) {
  const double lat = kLat + north_m / 111'195.0;
  const double lon = kLon + east_m / (111'195.0 * std::cos(kLat * M_PI / 180));
  return geo::TileForDegrees(lat, lon, db::kHazardZoom);
}

SeededMap OneSite(double radius_m = 150) {
  SeededMap m;
  m.hazards.push_back({0, kAccident, kLat, kLon, radius_m, kStart, kEnd});
  return m;
}

// A cluster at the site's tile reported by `vehicles` cars, about site 0.
HazardClusterMap Reported(int vehicles, geo::TileKey tile = TileAt(0)) {
  HazardClusterTruth c;
  for (int v = 0; v < vehicles; ++v) c.vehicles.insert(Vehicle(v));
  c.reports = vehicles;
  c.last_seen_ms = kStart + 100'000;
  c.expires_ms = kStart + 1'900'000;
  c.sites = {0};
  return {{HazardClusterKey{tile, kAccident}, c}};
}

ActiveHazardRow Row(geo::TileKey tile, int32_t type = kAccident,
                    int64_t first_seen = kStart + 50'000, int64_t last_seen = kStart + 100'000) {
  return {tile, type, 6, first_seen, last_seen};
}

TEST(MapQualityTest, DistanceToTileIsZeroInsideAndTheGapToANeighbour) {
  const geo::TileKey here = geo::TileForDegrees(kLat, kLon, 18);
  EXPECT_EQ(MapQuality::DistanceToTileM(kLat, kLon, here), 0);
  // Two tiles east: at least one whole tile (~102 m at 48° N) away, at most two.
  const double d = MapQuality::DistanceToTileM(kLat, kLon, {18, here.x + 2, here.y});
  EXPECT_GT(d, 100);
  EXPECT_LT(d, 205);
}

TEST(MapQualityTest, ShownSiteIsRecalledAndItsRowIsTrue) {
  const HazardQuality q = MapQuality::Hazards(OneSite(), Reported(6), {Row(TileAt(0))}, kK, kNow);
  EXPECT_EQ(q.expected, 1);
  EXPECT_EQ(q.sites[0].status, SiteStatus::kExpected);
  EXPECT_EQ(q.recall(), 1.0);
  EXPECT_EQ(q.precision(), 1.0);
  EXPECT_EQ(q.by_type.at(kAccident).recalled, 1);
}

TEST(MapQualityTest, RowJustOutsideTheRadiusIsAMiss) {
  const geo::TileKey far = TileAt(400);
  const double d = MapQuality::DistanceToTileM(kLat, kLon, far);
  const SeededMap outside = OneSite(d - kHazardMatchSlackM - 1);
  HazardQuality q = MapQuality::Hazards(outside, Reported(6), {Row(far)}, kK, kNow);
  EXPECT_EQ(q.recall(), 0.0);
  EXPECT_EQ(q.precision(), 0.0);
  EXPECT_EQ(q.unmatched_rows, 1);
  // One metre further and it is inside.
  q = MapQuality::Hazards(OneSite(d - kHazardMatchSlackM + 1), Reported(6), {Row(far)}, kK, kNow);
  EXPECT_EQ(q.recall(), 1.0);
}

TEST(MapQualityTest, RowOfAnotherTypeDoesNotMatch) {
  const HazardQuality q = MapQuality::Hazards(
      OneSite(), Reported(6), {Row(TileAt(0), roadsense::v1::HAZARD_TYPE_FOG)}, kK, kNow);
  EXPECT_EQ(q.recall(), 0.0);
  EXPECT_EQ(q.unmatched_rows, 1);
}

TEST(MapQualityTest, RowReportedOnlyAfterTheSiteEndedDoesNotMatch) {
  const int64_t late = kEnd + kHazardReportLagMs + 1;
  const HazardQuality q = MapQuality::Hazards(
      OneSite(), Reported(6), {Row(TileAt(0), kAccident, late, late + 1000)}, kK, kNow);
  EXPECT_EQ(q.recall(), 0.0);
}

TEST(MapQualityTest, RowReportedOnlyBeforeTheSiteStartedDoesNotMatch) {
  const HazardQuality q = MapQuality::Hazards(
      OneSite(), Reported(6), {Row(TileAt(0), kAccident, kStart - 9000, kStart - 1)}, kK, kNow);
  EXPECT_EQ(q.recall(), 0.0);
}

TEST(MapQualityTest, ClusterSharedWithALaterSiteMatchesBoth) {
  // Two sites of the same type share a tile, one after the other: the cluster's reports
  // span both lifetimes.
  SeededMap m = OneSite();
  m.hazards.push_back({1, kAccident, kLat, kLon, 150, kEnd + 100'000, kEnd + 700'000});
  HazardClusterMap truth = Reported(6);
  truth.begin()->second.sites = {0, 1};
  const HazardQuality q = MapQuality::Hazards(
      m, truth, {Row(TileAt(0), kAccident, kStart + 50'000, kEnd + 300'000)}, kK, kEnd + 400'000);
  EXPECT_EQ(q.expected, 2);
  EXPECT_EQ(q.recall(), 1.0);
  EXPECT_EQ(q.precision(), 1.0);
}

TEST(MapQualityTest, FalsePositiveRowLowersPrecisionOnly) {
  const HazardQuality q = MapQuality::Hazards(OneSite(), Reported(6),
                                              {Row(TileAt(0)), Row(TileAt(3000, 3000))}, kK, kNow);
  EXPECT_EQ(q.recall(), 1.0);
  EXPECT_EQ(q.precision(), 0.5);
  EXPECT_EQ(q.unmatched_rows, 1);
}

TEST(MapQualityTest, SiteSeenByFewerThanKVehiclesIsNotExpected) {
  const HazardQuality q = MapQuality::Hazards(OneSite(), Reported(kK - 1), {}, kK, kNow);
  EXPECT_EQ(q.expected, 0);
  EXPECT_EQ(q.sites[0].status, SiteStatus::kBelowK);
  EXPECT_EQ(q.sites[0].max_cluster_vehicles, kK - 1);
  EXPECT_FALSE(q.recall().has_value());  // nothing to recall: n/a, not a failure
}

TEST(MapQualityTest, SketchCountsVehiclesSharingARegisterOnce) {
  EXPECT_EQ(SketchedVehicles({Vehicle(0), Vehicle(1), Vehicle(2)}), 3);
  EXPECT_EQ(SketchedVehicles({Vehicle(0), Vehicle(1), Vehicle(1024)}), 2);
  EXPECT_EQ(SketchedVehicles({}), 0);
}

TEST(MapQualityTest, SiteWhoseSketchCountsFewerThanKIsNeitherMissedNorFalse) {
  // k vehicles, two of them in one sketch register: the sketch says k - 1. The view shows the
  // cluster only if one worker commit saw k of them, so consumers may or may not see it.
  HazardClusterMap truth = Reported(kK - 1);
  truth.begin()->second.vehicles.insert(Vehicle(1024));
  ASSERT_EQ(truth.begin()->second.vehicles.size(), static_cast<size_t>(kK));
  HazardQuality q = MapQuality::Hazards(OneSite(), truth, {}, kK, kNow);
  EXPECT_EQ(q.sites[0].status, SiteStatus::kUnderCounted);
  EXPECT_EQ(q.expected, 0);
  EXPECT_FALSE(q.recall().has_value());
  q = MapQuality::Hazards(OneSite(), truth, {Row(TileAt(0))}, kK, kNow);
  EXPECT_EQ(q.precision(), 1.0);
  EXPECT_EQ(q.unexpected_rows, 0);
  // One more vehicle in a register of its own and the sketch reaches k: expected again.
  truth.begin()->second.vehicles.insert(Vehicle(kK + 7));
  q = MapQuality::Hazards(OneSite(), truth, {}, kK, kNow);
  EXPECT_EQ(q.sites[0].status, SiteStatus::kExpected);
  EXPECT_EQ(q.recall(), 0.0);
  // Expired, an under-counted cluster is just expired.
  q = MapQuality::Hazards(OneSite(), Reported(kK - 1), {}, kK, kStart + 1'900'000);
  EXPECT_EQ(q.sites[0].status, SiteStatus::kBelowK);
  truth = Reported(kK - 1);
  truth.begin()->second.vehicles.insert(Vehicle(1024));
  q = MapQuality::Hazards(OneSite(), truth, {}, kK, kStart + 1'900'000);
  EXPECT_EQ(q.sites[0].status, SiteStatus::kExpired);
}

TEST(MapQualityTest, UnreportedSiteIsNotExpected) {
  const HazardQuality q = MapQuality::Hazards(OneSite(), {}, {}, kK, kNow);
  EXPECT_EQ(q.sites[0].status, SiteStatus::kNotReported);
  EXPECT_EQ(q.expected, 0);
}

TEST(MapQualityTest, ShowingACancelledSiteIsAFalsePositive) {
  HazardClusterMap truth = Reported(6);
  truth.begin()->second.last_cancelled_ms = kStart + 200'000;
  const HazardQuality q = MapQuality::Hazards(OneSite(), truth, {Row(TileAt(0))}, kK, kNow);
  EXPECT_EQ(q.sites[0].status, SiteStatus::kCancelled);
  EXPECT_EQ(q.precision(), 0.0);
  EXPECT_EQ(q.unexpected_rows, 1);
}

TEST(MapQualityTest, EndedButUncancelledSiteIsStillExpected) {
  const HazardQuality q =
      MapQuality::Hazards(OneSite(), Reported(6), {Row(TileAt(0))}, kK, kEnd + 1);
  EXPECT_EQ(q.expected, 1);
  EXPECT_EQ(q.expected_ended, 1);
  EXPECT_TRUE(q.sites[0].ended);
}

// Speed limits: one seeded limit, 50 km/h eastbound in one tile.
const SpeedLimitCellKey kCell{{16, 34874, 22692}, 2};

SpeedLimitVoteMap Votes(std::map<int32_t, std::pair<int, int64_t>> by_value) {
  SpeedLimitVoteMap m;
  for (const auto& [kmh, vehicles_and_time] : by_value) {
    SpeedLimitVoteTruth& v = m[kCell][kmh];
    for (int i = 0; i < vehicles_and_time.first; ++i) v.vehicles.insert(Vehicle(i));
    v.votes = vehicles_and_time.first;
    v.last_seen_ms = vehicles_and_time.second;
  }
  return m;
}

SeededMap OneLimit() {
  SeededMap m;
  m.speed_limits.push_back({kCell, 50});
  return m;
}

TEST(MapQualityTest, SpeedLimitShownWithItsValueIsRecovered) {
  const SpeedLimitQuality q =
      MapQuality::SpeedLimits(OneLimit(), Votes({{50, {6, 1}}}), {{kCell, 50, 6}}, kK);
  EXPECT_EQ(q.expected, 1);
  EXPECT_EQ(q.recovery(), 1.0);
}

TEST(MapQualityTest, SpeedLimitWithAnotherValueOrMissingIsNotRecovered) {
  SpeedLimitQuality q =
      MapQuality::SpeedLimits(OneLimit(), Votes({{50, {6, 1}}}), {{kCell, 60, 6}}, kK);
  EXPECT_EQ(q.recovery(), 0.0);
  EXPECT_EQ(q.wrong_value, 1);
  q = MapQuality::SpeedLimits(OneLimit(), Votes({{50, {6, 1}}}), {}, kK);
  EXPECT_EQ(q.missing, 1);
  ASSERT_EQ(q.misses.size(), 1u);
  EXPECT_EQ(q.misses[0].limit_kmh, 50);
}

TEST(MapQualityTest, SpeedLimitIsPublishableOnlyWithKVotersAndWinning) {
  // Fewer than k voters: legitimately unpublished.
  EXPECT_EQ(MapQuality::SpeedLimits(OneLimit(), Votes({{50, {kK - 1, 1}}}), {}, kK).expected, 0);
  // Another value won the cell (more votes): the seeded one cannot be shown there.
  EXPECT_EQ(
      MapQuality::SpeedLimits(OneLimit(), Votes({{50, {6, 1}}, {30, {7, 1}}}), {}, kK).expected, 0);
  // A tie goes to the most recently seen value, as in the view.
  EXPECT_EQ(
      MapQuality::SpeedLimits(OneLimit(), Votes({{50, {6, 9}}, {30, {6, 1}}}), {}, kK).expected, 1);
  // k voters, but two share a sketch register: the view may not show it, so it is not expected.
  SpeedLimitVoteMap votes = Votes({{50, {kK - 1, 1}}});
  votes[kCell][50].vehicles.insert(Vehicle(1024));
  votes[kCell][50].votes = kK;
  EXPECT_EQ(MapQuality::SpeedLimits(OneLimit(), votes, {}, kK).expected, 0);
}

}  // namespace
}  // namespace roadsense::simulator
