#include "geo/tile_key.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

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

// The tile formula as it stood before TileForDegrees computed rows the quick way (OSM wiki):
// every tile ever written was placed by it, so the quick way must agree with it everywhere.
TileKey ReferenceTile(double lat, double lon, int z) {
  lat = std::clamp(lat, -kMaxLatitude, kMaxLatitude);
  lon = std::clamp(lon, -180.0, 180.0);
  const double n = std::ldexp(1.0, z);
  const int32_t max_index = static_cast<int32_t>(n) - 1;
  const double lat_rad = lat * M_PI / 180.0;
  auto x = static_cast<int32_t>(std::floor((lon + 180.0) / 360.0 * n));
  auto y = static_cast<int32_t>(std::floor((1.0 - std::asinh(std::tan(lat_rad)) / M_PI) / 2.0 * n));
  return TileKey{z, std::clamp(x, 0, max_index), std::clamp(y, 0, max_index)};
}

TileKey ReferenceTileForPoint(int32_t lat_e7, int32_t lon_e7, int z) {
  return ReferenceTile(lat_e7 / 1e7, lon_e7 / 1e7, z);
}

// For every row edge at the base and hazard zooms: the last wire latitude still in the row
// above the edge (found by bisection on the reference) and its neighbours land where the
// reference puts them.
TEST(TileKey, RowEdgesMatchReferenceFormula) {
  constexpr int32_t kTop = 850511288;  // just past the clamp: the reference's row 0
  for (const int z : {16, 18}) {
    const int32_t rows = 1 << z;
    for (int32_t edge = 1; edge < rows; ++edge) {
      int32_t below = -kTop;  // reference row >= edge
      int32_t above = kTop;   // reference row < edge
      while (above - below > 1) {
        const int32_t mid = below + (above - below) / 2;
        (ReferenceTileForPoint(mid, 0, z).y >= edge ? below : above) = mid;
      }
      for (int32_t lat_e7 = below - 1; lat_e7 <= above + 1; ++lat_e7) {
        ASSERT_EQ(TileForPoint(lat_e7, 0, z), ReferenceTileForPoint(lat_e7, 0, z))
            << "zoom " << z << " edge " << edge << " lat_e7 " << lat_e7;
      }
    }
  }
}

TEST(TileKey, RandomPointsMatchReferenceFormula) {
  std::mt19937_64 rng(20261126);
  std::uniform_int_distribution<int32_t> lat_e7(-900000000, 900000000);
  std::uniform_int_distribution<int32_t> lon_e7(-1800000000, 1800000000);
  std::uniform_int_distribution<int> zoom(0, kMaxZoom);
  std::uniform_real_distribution<double> lat(-90.0, 90.0);
  std::uniform_real_distribution<double> near_clamp(kMaxLatitude - 1e-6, kMaxLatitude + 1e-6);
  for (int i = 0; i < 1'000'000; ++i) {
    const int z = zoom(rng);
    const int32_t a = lat_e7(rng);
    const int32_t o = lon_e7(rng);
    ASSERT_EQ(TileForPoint(a, o, z), ReferenceTileForPoint(a, o, z)) << a << ' ' << o << ' ' << z;
    const double d = lat(rng);
    ASSERT_EQ(TileForDegrees(d, 0, z), ReferenceTile(d, 0, z)) << d << ' ' << z;
    const double c = (i % 2 ? 1 : -1) * near_clamp(rng);
    ASSERT_EQ(TileForDegrees(c, 0, z), ReferenceTile(c, 0, z)) << c << ' ' << z;
  }
}

// TileLocator must give TileForPoint's tile for every point of a stream: random walks of car-like
// steps (a few metres to a few hundred), with jumps, at several zooms and latitudes up to the
// clamp.
TEST(TileLocator, RandomWalksMatchTileForPoint) {
  std::mt19937_64 rng(20261127);
  std::uniform_int_distribution<int32_t> start_lat(-850000000, 850000000);
  std::uniform_int_distribution<int32_t> start_lon(-1800000000, 1800000000);
  std::uniform_int_distribution<int32_t> step(-3000, 3000);  // up to ~33 m
  std::uniform_int_distribution<int> jump(0, 999);
  for (const int z : {0, 10, 16, 18, 24}) {
    TileLocator locator(z);
    int32_t lat = 0, lon = 0;
    for (int i = 0; i < 400'000; ++i) {
      if (i % 2000 == 0 || jump(rng) == 0) {
        lat = start_lat(rng);
        lon = start_lon(rng);
      }
      lat = std::clamp(lat + step(rng) * (i % 7 == 0 ? 100 : 1), -900000000, 900000000);
      lon = std::clamp(lon + step(rng), -1800000000, 1800000000);
      ASSERT_EQ(locator.Locate(lat, lon), TileForPoint(lat, lon, z))
          << "zoom " << z << " lat_e7 " << lat << " lon_e7 " << lon << " step " << i;
    }
  }
}

// Across row edges one wire unit at a time, from either side, at latitudes where the rows are
// short (60–80°) and long (near the equator): every latitude lands where TileForPoint puts it.
TEST(TileLocator, StepsAcrossRowEdgesMatchTileForPoint) {
  for (const int z : {16, 18}) {
    for (const int32_t start : {1234567, 480000000, 600000000, 799000000, -799000000}) {
      for (const int32_t direction : {1, -1}) {
        TileLocator locator(z);
        int32_t changes = 0;
        TileKey last = locator.Locate(start, 115755000);
        for (int32_t d = 1; d <= 400'000; ++d) {
          const int32_t lat = start + direction * d;
          const TileKey t = locator.Locate(lat, 115755000);
          ASSERT_EQ(t, TileForPoint(lat, 115755000, z)) << "zoom " << z << " lat_e7 " << lat;
          changes += t.y != last.y ? 1 : 0;
          last = t;
        }
        EXPECT_GT(changes, 0) << "zoom " << z << " from " << start << ": no row edge crossed";
      }
    }
  }
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
