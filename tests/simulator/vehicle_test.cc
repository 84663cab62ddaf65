#include "simulator/vehicle.h"

#include <gtest/gtest.h>

#include <memory>
#include <vector>

namespace roadsense::simulator {
namespace {

constexpr double kRadiusM = 5000;
constexpr int64_t kStartMs = 1'764'000'000'000;
constexpr double kDtS = 1.0;

struct World {
  RoadNetwork network = RoadNetwork::Build(1, kRadiusM);
  Scenario scenario;  // empty unless a test adds to it
  LocalFrame frame{48.137, 11.575};
};

TEST(VehicleTest, SpeedChangesStayWithinTheDriversLimits) {
  World w;
  w.scenario = Scenario::Build(1, w.network, kRadiusM, kStartMs, 600'000);
  for (int i = 0; i < 20; ++i) {
    Vehicle v(1, i, w.network, w.scenario);
    EXPECT_GE(v.max_accel_ms2(), 1.5);
    EXPECT_LE(v.max_accel_ms2(), 2.5);
    for (int t = 0; t < 600; ++t) {
      const double before = v.speed_ms();
      v.Step(kStartMs + t * 1000, kDtS, w.frame);
      const double change = v.speed_ms() - before;
      ASSERT_LE(change, v.max_accel_ms2() * kDtS + 1e-9) << "vehicle " << i << " t " << t;
      ASSERT_GE(change, -v.comfort_decel_ms2() * kDtS - 1e-9) << "vehicle " << i << " t " << t;
    }
  }
}

TEST(VehicleTest, DriversKeepCloseToTheSpeedLimit) {
  World w;  // no jams, hazards or weather
  double ratio_sum = 0;
  int n = 0;
  for (int i = 0; i < 50; ++i) {
    Vehicle v(2, i, w.network, w.scenario);
    for (int t = 0; t < 300; ++t) {
      v.Step(kStartMs + t * 1000, kDtS, w.frame);
      if (t < 30) continue;  // after turning into a road with another limit it takes a while
      ratio_sum += v.speed_ms() / (w.network.road(v.road()).speed_limit_kmh / 3.6);
      ++n;
    }
  }
  EXPECT_NEAR(ratio_sum / n, 1.0, 0.1);
}

TEST(VehicleTest, TrafficJamsSlowEveryCarDown) {
  World w;
  constexpr double kJamSpeedMs = 3;
  for (size_t r = 0; r < w.network.roads().size(); ++r) {
    w.scenario.jams.push_back({static_cast<int>(r), 0, w.network.roads()[r].length_m + 1,
                               kStartMs + 60'000, kStartMs + 600'000, kJamSpeedMs});
  }
  for (int i = 0; i < 20; ++i) {
    Vehicle v(3, i, w.network, w.scenario);
    for (int t = 0; t < 120; ++t) {
      v.Step(kStartMs + t * 1000, kDtS, w.frame);
      // Free flow before the jam; 40 s after it formed every car has braked to its speed.
      if (t == 55) {
        EXPECT_GT(v.speed_ms(), 5) << "vehicle " << i;
      }
      if (t >= 100) {
        ASSERT_LT(v.speed_ms(), kJamSpeedMs * 1.3 + 1.5) << "vehicle " << i;
      }
    }
  }
}

TEST(VehicleTest, ReportsAreProbesUnlessSomethingWasObserved) {
  World w;
  Vehicle v(4, 0, w.network, w.scenario);
  int probes = 0, signs = 0;
  for (int t = 0; t < 600; ++t) {
    const roadsense::v1::Report r = v.Step(kStartMs + t * 1000, kDtS, w.frame);
    EXPECT_EQ(r.observed_time_ms(), kStartMs + t * 1000);
    probes += r.has_probe();
    signs += r.has_sign();
  }
  EXPECT_GT(signs, 0);  // 10 minutes of driving pass several signs
  EXPECT_GT(probes, 550);
}

}  // namespace
}  // namespace roadsense::simulator
