#include "db/tile_stats.h"

#include <gtest/gtest.h>

#include "db/hazard_cluster.h"

namespace roadsense::db {
namespace {

TileStats WithSpeeds(std::initializer_list<int32_t> speeds, int64_t first_ms) {
  TileStats s;
  int64_t t = first_ms;
  for (int32_t v : speeds) {
    s.AddObservation(t++);
    s.AddSpeed(v);
  }
  return s;
}

TEST(TileStats, MergeEqualsAddingEverythingToOne) {
  TileStats merged = WithSpeeds({500, 0}, 1000);
  merged.Merge(WithSpeeds({900, 300}, 10));
  TileStats all = WithSpeeds({900, 300}, 10);
  all.AddObservation(1000);
  all.AddSpeed(500);
  all.AddObservation(1001);
  all.AddSpeed(0);
  EXPECT_EQ(merged, all);
  EXPECT_EQ(merged.speed_min_cms, 0);
  EXPECT_EQ(merged.speed_max_cms, 900);
  EXPECT_EQ(merged.first_observed_ms, 10);
  EXPECT_EQ(merged.last_observed_ms, 1001);
}

TEST(TileStats, MergeIntoEmptyCopiesExtremes) {
  TileStats empty;
  empty.Merge(WithSpeeds({700}, 50));
  EXPECT_EQ(empty, WithSpeeds({700}, 50));
}

TEST(TileStats, MergingEmptyChangesNothing) {
  TileStats s = WithSpeeds({700, 100}, 50);
  const TileStats before = s;
  s.Merge(TileStats{});
  EXPECT_EQ(s, before);
}

TEST(TileStats, SpeedSumsAndSquares) {
  TileStats s = WithSpeeds({3, 4}, 0);
  EXPECT_EQ(s.speed_n, 2);
  EXPECT_EQ(s.speed_sum_cms, 7);
  EXPECT_DOUBLE_EQ(s.speed_sumsq, 25);
}

TEST(TileStats, MergeAddsHistogramsWeatherAndVehicles) {
  TileStats a = WithSpeeds({1389}, 0);
  a.vehicles.Add(1);
  a.wiper_reports[0] = 2;
  a.AddTemperature(-30);
  TileStats b = WithSpeeds({1389, 2778}, 0);
  b.vehicles.Add(1);
  b.vehicles.Add(2);
  b.wiper_reports[0] = 1;
  b.AddTemperature(50);
  a.Merge(b);
  EXPECT_EQ(a.speed_hist[10], 2);
  EXPECT_EQ(a.speed_hist[20], 1);
  EXPECT_EQ(a.vehicles.size(), 2u);
  EXPECT_EQ(a.wiper_reports[0], 3);
  EXPECT_EQ(a.temp_n, 2);
  EXPECT_EQ(a.temp_min_dc, -30);
  EXPECT_EQ(a.temp_max_dc, 50);
}

TEST(TileStats, SpeedBinsAreFiveKmhWideWithAnOpenLastBin) {
  EXPECT_EQ(TileStats::SpeedBin(0), 0);
  EXPECT_EQ(TileStats::SpeedBin(138), 0);    // 4.97 km/h
  EXPECT_EQ(TileStats::SpeedBin(139), 1);    // 5.004 km/h
  EXPECT_EQ(TileStats::SpeedBin(5417), 39);  // 195.01 km/h
  EXPECT_EQ(TileStats::SpeedBin(15000), 39);
}

TEST(HazardCluster, MergeOfPartsEqualsAddingEverything) {
  HazardCluster all, first, second;
  all.Add(1, 1000, false, 60, 80);
  all.Add(2, 5000, true, 0, 0);
  all.Add(1, 3000, false, 600, 40);
  first.Add(1, 1000, false, 60, 80);
  second.Add(2, 5000, true, 0, 0);
  second.Add(1, 3000, false, 600, 40);
  first.Merge(second);
  EXPECT_EQ(first, all);
  EXPECT_EQ(all.expires_ms, 603'000);
  EXPECT_EQ(all.last_cancelled_ms, 5000);
  EXPECT_EQ(all.vehicles.size(), 2u);
}

}  // namespace
}  // namespace roadsense::db
