#include "tiles/tile_change.h"

#include <gtest/gtest.h>

namespace roadsense::tiles {
namespace {

TEST(TileChangeTest, ParsesATrafficLine) {
  Result<TileChange> c = ParseTileChange("v1 traffic 16 1732550400 34874/22692 34875/22692");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->layer, "traffic");
  EXPECT_EQ(c->z, 16);
  EXPECT_EQ(c->bucket_s, 1732550400);
  ASSERT_EQ(c->tiles.size(), 2u);
  EXPECT_EQ(c->tiles[1], (geo::TileKey{16, 34875, 22692}));
}

TEST(TileChangeTest, ParsesALayerWithoutBucket) {
  Result<TileChange> c = ParseTileChange("v1 hazards 18 - 139497/90770");
  ASSERT_TRUE(c.ok());
  EXPECT_FALSE(c->bucket_s.has_value());
  EXPECT_EQ(c->tiles[0], (geo::TileKey{18, 139497, 90770}));
}

TEST(TileChangeTest, UnknownVersionIsNotFound) {
  EXPECT_EQ(ParseTileChange("v2 traffic 16 1 1/1").status().code(), StatusCode::kNotFound);
}

TEST(TileChangeTest, MalformedLinesAreInvalid) {
  for (const char* bad : {"v1 traffic", "v1 traffic x 1 1/1", "v1 traffic 16 1 1-1",
                          "v1 traffic 2 1 4/0", "v1 traffic 16 1  1/1", "v1 traffic 16 b 1/1"}) {
    EXPECT_EQ(ParseTileChange(bad).status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

TEST(TileChangeTest, AffectedTilesAreTheAncestorsUpToMaxZoomEachOnce) {
  TileChange c;
  c.z = 18;
  c.tiles = {{18, 139497, 90770}, {18, 139496, 90770}};
  const std::vector<geo::TileKey> affected = AffectedTiles(c, 16);
  ASSERT_EQ(affected.size(), 17u);  // zooms 0..16, both tiles share every ancestor
  EXPECT_EQ(affected.front(), (geo::TileKey{0, 0, 0}));
  EXPECT_EQ(affected.back(), (geo::TileKey{16, 139497 >> 2, 90770 >> 2}));
}

TEST(TileChangeTest, JsonNamesLayerBucketAndTiles) {
  Result<TileChange> c = ParseTileChange("v1 traffic 16 1732550400 1/2 3/4");
  EXPECT_EQ(TileChangeJson(*c),
            R"({"layer":"traffic","z":16,"bucket":1732550400,"tiles":[[1,2],[3,4]]})");
  c = ParseTileChange("v1 hazards 18 - 5/6");
  EXPECT_EQ(TileChangeJson(*c), R"({"layer":"hazards","z":18,"bucket":null,"tiles":[[5,6]]})");
}

}  // namespace
}  // namespace roadsense::tiles
