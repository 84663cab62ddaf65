#include "simulator/scenario.h"

#include <gtest/gtest.h>

#include <set>

namespace roadsense::simulator {
namespace {

constexpr double kRadiusM = 10000;
constexpr int64_t kStartMs = 1'764'000'000'000;
constexpr int64_t kSpanMs = 3'600'000;

TEST(ScenarioTest, HazardsLieOnTheirRoadsWithTimesInTheRun) {
  const RoadNetwork net = RoadNetwork::Build(1, kRadiusM);
  const Scenario s = Scenario::Build(1, net, kRadiusM, kStartMs, kSpanMs);
  ASSERT_FALSE(s.hazards.empty());
  std::set<int> types;
  for (const HazardSite& h : s.hazards) {
    types.insert(h.type);
    EXPECT_LT(Distance(h.point, net.PointAt(h.road, h.s_m).point), 1e-6);
    EXPECT_LT(h.start_ms, h.end_ms);
    EXPECT_LT(h.start_ms, kStartMs + kSpanMs);  // present at some time of the run
    EXPECT_GT(h.end_ms, kStartMs);
    EXPECT_GT(h.detection_probability, 0);
    EXPECT_LE(h.detection_probability, 1);
  }
  EXPECT_GE(types.size(), 6u);  // black ice, fog, breakdown, roadworks, accident, rain, ...
}

TEST(ScenarioTest, PointHazardsSitAtJunctionsAndAreReportedAtTheSpot) {
  const RoadNetwork net = RoadNetwork::Build(6, kRadiusM);
  const Scenario s = Scenario::Build(6, net, kRadiusM, kStartMs, kSpanMs);
  int points = 0, areas = 0;
  for (const HazardSite& h : s.hazards) {
    const bool area =
        h.type == roadsense::v1::HAZARD_TYPE_FOG || h.type == roadsense::v1::HAZARD_TYPE_HEAVY_RAIN;
    if (area) {
      ++areas;
      EXPECT_EQ(h.report_radius_m, h.radius_m);
      continue;
    }
    ++points;
    EXPECT_EQ(h.report_radius_m, kSpotRadiusM);
    bool at_junction = false;
    for (const Junction& j : net.JunctionsOn(h.road)) at_junction |= j.s_m == h.s_m;
    EXPECT_TRUE(at_junction) << "site on road " << h.road << " at " << h.s_m;
  }
  EXPECT_GT(points, 0);
  EXPECT_GT(areas, 0);
}

TEST(ScenarioTest, JamsSlowTrafficOnlyWhereAndWhenTheyAre) {
  const RoadNetwork net = RoadNetwork::Build(2, kRadiusM);
  const Scenario s = Scenario::Build(2, net, kRadiusM, kStartMs, kSpanMs);
  ASSERT_FALSE(s.jams.empty());
  for (const TrafficJam& j : s.jams) {
    EXPECT_NE(net.road(j.road).road_class, RoadClass::kResidential);
    const double mid = (j.from_s_m + j.to_s_m) / 2;
    const int64_t during = (j.start_ms + j.end_ms) / 2;
    EXPECT_EQ(s.JamSpeedAhead(j.road, mid, 1, 0, during), j.speed_ms);
    EXPECT_FALSE(s.JamSpeedAhead(j.road, mid, 1, 0, j.end_ms).has_value());
    EXPECT_FALSE(s.JamSpeedAhead(j.road, mid, 1, 0, j.start_ms - 1).has_value());
    // Seen coming: 100 m before it, looking 150 m ahead, in the direction of travel only.
    EXPECT_TRUE(s.JamSpeedAhead(j.road, j.from_s_m - 100, 1, 150, during).has_value());
    EXPECT_FALSE(s.JamSpeedAhead(j.road, j.from_s_m - 100, -1, 150, during).has_value());
    EXPECT_LT(j.speed_ms, 20 / 3.6 + 1e-9);
  }
}

TEST(ScenarioTest, WeatherZonesCoverTheirCircleDuringTheirTime) {
  const RoadNetwork net = RoadNetwork::Build(3, kRadiusM);
  const Scenario s = Scenario::Build(3, net, kRadiusM, kStartMs, kSpanMs);
  ASSERT_EQ(s.weather.size(), 2u);
  EXPECT_NE(s.weather[0].kind, s.weather[1].kind);  // one rain, one fog
  for (const WeatherZone& w : s.weather) {
    const int64_t during = (w.start_ms + w.end_ms) / 2;
    EXPECT_TRUE(w.Covers(w.center, during));
    EXPECT_FALSE(w.Covers(w.center, w.end_ms));
    EXPECT_FALSE(w.Covers({w.center.x_m + w.radius_m + 1, w.center.y_m}, during));
  }
}

TEST(ScenarioTest, SameSeedSameScenario) {
  const RoadNetwork net = RoadNetwork::Build(4, kRadiusM);
  const Scenario a = Scenario::Build(4, net, kRadiusM, kStartMs, kSpanMs);
  const Scenario b = Scenario::Build(4, net, kRadiusM, kStartMs, kSpanMs);
  const Scenario c = Scenario::Build(5, net, kRadiusM, kStartMs, kSpanMs);
  ASSERT_EQ(a.hazards.size(), b.hazards.size());
  bool differs = false;
  for (size_t i = 0; i < a.hazards.size(); ++i) {
    EXPECT_EQ(a.hazards[i].s_m, b.hazards[i].s_m);
    EXPECT_EQ(a.hazards[i].start_ms, b.hazards[i].start_ms);
    differs |= a.hazards[i].s_m != c.hazards[i].s_m;
  }
  EXPECT_TRUE(differs);
}

}  // namespace
}  // namespace roadsense::simulator
