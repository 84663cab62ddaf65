#include "geo/tile_key.h"

#include <gtest/gtest.h>

namespace roadsense::geo {

void PrintTo(const TileKey& t, std::ostream* os) { *os << t.z << '/' << t.x << '/' << t.y; }

namespace {

TEST(TileKey, MunichAtZoom16) {
  // Marienplatz, 48.1374 N 11.5755 E; expected value from the OSM wiki formula evaluated
  // independently (Python, double precision).
  TileKey t = TileForDegrees(48.1374, 11.5755, 16);
  EXPECT_EQ(t, (TileKey{16, 34875, 22743}));
}

TEST(TileKey, IntegerDegreesMatchFloatingDegrees) {
  EXPECT_EQ(TileForPoint(481374000, 115755000), TileForDegrees(48.1374, 11.5755));
}

TEST(TileKey, ZoomZeroIsOneTile) { EXPECT_EQ(TileForDegrees(10, 20, 0), (TileKey{0, 0, 0})); }

TEST(TileKey, EdgesClampIntoTheGrid) {
  const int32_t last = (1 << 16) - 1;
  EXPECT_EQ(TileForDegrees(-90, 180, 16), (TileKey{16, last, last}));
  EXPECT_EQ(TileForDegrees(90, -180, 16), (TileKey{16, 0, 0}));
}

TEST(TileKey, ParentIsShift) {
  TileKey t{16, 34875, 22743};
  EXPECT_EQ(ParentTile(t, 8), (TileKey{8, 136, 88}));
  EXPECT_EQ(ParentTile(t, 16), t);
}

TEST(TileKey, QuadkeyMatchesBingExample) {
  // Bing Maps documentation: tile (x=3, y=5) at level 3 has quadkey "213".
  EXPECT_EQ(Quadkey(TileKey{3, 3, 5}), "213");
  EXPECT_EQ(Quadkey(TileKey{0, 0, 0}), "");
}

TEST(TileKey, QuadkeyPrefixIsParent) {
  TileKey t = TileForDegrees(48.1374, 11.5755, 16);
  EXPECT_EQ(Quadkey(t).substr(0, 10), Quadkey(ParentTile(t, 10)));
}

TEST(TimeBucket, FloorsToBucketStart) {
  EXPECT_EQ(BucketStartMs(1'700'000'123'456, 300), 1'700'000'100'000);
  EXPECT_EQ(BucketStartMs(600'000, 300), 600'000);
  EXPECT_EQ(BucketStartMs(599'999, 300), 300'000);
  EXPECT_EQ(BucketStartMs(-1, 300), -300'000);
}

}  // namespace
}  // namespace roadsense::geo
