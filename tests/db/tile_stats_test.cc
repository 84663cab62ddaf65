#include "db/tile_stats.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace roadsense::db
