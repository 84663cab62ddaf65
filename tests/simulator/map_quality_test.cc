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
  for (int v = 0; v < vehicles; ++v) c.vehicles.insert(static_cast<uint64_t>(v));
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
    for (int i = 0; i < vehicles_and_time.first; ++i) v.vehicles.insert(static_cast<uint64_t>(i));
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
}

}  // namespace
}  // namespace roadsense::simulator
