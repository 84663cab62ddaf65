#include "simulator/road_network.h"

#include <gtest/gtest.h>

#include <set>

namespace roadsense::simulator {
namespace {

constexpr double kRadiusM = 10000;

TEST(RoadNetworkTest, HasArterialsResidentialStreetsAndARing) {
  const RoadNetwork net = RoadNetwork::Build(1, kRadiusM);
  std::multiset<RoadClass> classes;
  for (const Road& r : net.roads()) classes.insert(r.road_class);
  EXPECT_EQ(classes.count(RoadClass::kArterial), 10u);
  EXPECT_EQ(classes.count(RoadClass::kResidential), 8u);
  EXPECT_EQ(classes.count(RoadClass::kRing), 1u);
}

TEST(RoadNetworkTest, SpeedLimitsMatchTheRoadClass) {
  for (uint64_t seed = 1; seed <= 5; ++seed) {
    const RoadNetwork net = RoadNetwork::Build(seed, kRadiusM);
    for (const Road& r : net.roads()) {
      switch (r.road_class) {
        case RoadClass::kResidential:
          EXPECT_EQ(r.speed_limit_kmh, 30) << r.name;
          break;
        case RoadClass::kArterial:
          EXPECT_GE(r.speed_limit_kmh, 40) << r.name;
          EXPECT_LE(r.speed_limit_kmh, 70) << r.name;
          break;
        case RoadClass::kRing:
          EXPECT_GE(r.speed_limit_kmh, 80) << r.name;
          EXPECT_LE(r.speed_limit_kmh, 100) << r.name;
          break;
      }
    }
  }
}

TEST(RoadNetworkTest, RoadsStayInsideTheDisk) {
  const RoadNetwork net = RoadNetwork::Build(3, kRadiusM);
  for (size_t i = 0; i < net.roads().size(); ++i) {
    const Road& r = net.roads()[i];
    for (double s = 0; s <= r.length_m; s += 97) {
      EXPECT_LE(Distance(net.PointAt(static_cast<int>(i), s).point, {0, 0}), kRadiusM + 1e-6)
          << r.name << " at " << s;
    }
  }
}

TEST(RoadNetworkTest, JunctionsAreTheSamePointOnBothRoads) {
  const RoadNetwork net = RoadNetwork::Build(2, kRadiusM);
  size_t junctions = 0;
  for (size_t i = 0; i < net.roads().size(); ++i) {
    for (const Junction& j : net.JunctionsOn(static_cast<int>(i))) {
      ++junctions;
      EXPECT_EQ(j.road, static_cast<int>(i));
      const LocalPoint here = net.PointAt(j.road, j.s_m).point;
      const LocalPoint there = net.PointAt(j.other_road, j.other_s_m).point;
      EXPECT_LT(Distance(here, there), 0.01)
          << net.road(j.road).name << " x " << net.road(j.other_road).name;
      // The other road lists the same junction back.
      bool mirrored = false;
      for (const Junction& k : net.JunctionsOn(j.other_road)) {
        mirrored |= k.other_road == j.road && std::abs(k.s_m - j.other_s_m) < 1e-6;
      }
      EXPECT_TRUE(mirrored);
    }
  }
  EXPECT_GT(junctions, 100u);  // 5×5 arterial crossings alone are 50 entries
}

TEST(RoadNetworkTest, JunctionsAndSignsAreSortedAlongTheRoad) {
  const RoadNetwork net = RoadNetwork::Build(4, kRadiusM);
  for (size_t i = 0; i < net.roads().size(); ++i) {
    const auto& js = net.JunctionsOn(static_cast<int>(i));
    for (size_t k = 1; k < js.size(); ++k) EXPECT_LT(js[k - 1].s_m, js[k].s_m);
    const Road& r = net.roads()[i];
    EXPECT_FALSE(r.sign_positions_m.empty()) << r.name;
    for (size_t k = 1; k < r.sign_positions_m.size(); ++k) {
      EXPECT_LT(r.sign_positions_m[k - 1], r.sign_positions_m[k]);
    }
    for (double s : r.sign_positions_m) {
      EXPECT_GE(s, 0);
      EXPECT_LE(s, r.length_m);
    }
  }
}

TEST(RoadNetworkTest, TheRingWraps) {
  const RoadNetwork net = RoadNetwork::Build(1, kRadiusM);
  const int ring = static_cast<int>(net.roads().size()) - 1;
  ASSERT_TRUE(net.road(ring).closed);
  const double len = net.road(ring).length_m;
  EXPECT_LT(Distance(net.PointAt(ring, 10).point, net.PointAt(ring, len + 10).point), 1e-6);
}

TEST(RoadNetworkTest, SameSeedSameNetworkOtherSeedOther) {
  const RoadNetwork a = RoadNetwork::Build(9, kRadiusM);
  const RoadNetwork b = RoadNetwork::Build(9, kRadiusM);
  const RoadNetwork c = RoadNetwork::Build(10, kRadiusM);
  ASSERT_EQ(a.roads().size(), b.roads().size());
  bool differs = false;
  for (size_t i = 0; i < a.roads().size(); ++i) {
    EXPECT_EQ(a.roads()[i].length_m, b.roads()[i].length_m);
    EXPECT_EQ(a.roads()[i].speed_limit_kmh, b.roads()[i].speed_limit_kmh);
    differs |= a.roads()[i].length_m != c.roads()[i].length_m;
  }
  EXPECT_TRUE(differs);
}

}  // namespace
}  // namespace roadsense::simulator
