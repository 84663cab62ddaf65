// Migration 0008 against a real PostgreSQL with PostGIS: geometry views, roll-ups computed from
// published base tiles, roadsense_mvt's layers, k-anonymity at every zoom, the read-only role.
#include <gtest/gtest.h>

#include <cmath>
#include <pqxx/binarystring>
#include <pqxx/connection>
#include <pqxx/except>
#include <pqxx/transaction>

#include "tests/tiles/map_fixture.h"
#include "tests/tiles/mvt_decoder.h"

namespace roadsense::tiles {
namespace {

class MvtSqlTest : public MapFixture {
 protected:
  static std::map<std::string, MvtLayer> Mvt(int z, int x, int y) {
    pqxx::connection c(ConnectionString());
    pqxx::work txn(c);
    pqxx::result r = txn.exec("SELECT roadsense_mvt(" + std::to_string(z) + ", " +
                              std::to_string(x) + ", " + std::to_string(y) + ")");
    const std::string bytes = pqxx::binarystring(r[0][0]).str();
    Result<std::map<std::string, MvtLayer>> layers = DecodeMvt(bytes);
    EXPECT_TRUE(layers.ok()) << layers.status().ToString();
    return layers.ok() ? *layers : std::map<std::string, MvtLayer>{};
  }
};

TEST_F(MvtSqlTest, BaseZoomTileHasEveryLayerWithTheSeededFeatures) {
  AddTraffic(kAx, kAy, 0, 6, 1000);  // 36 km/h
  AddHazard(kAx * 4 + 1, kAy * 4 + 2, 0, 6);
  AddSpeedLimit(kAx, kAy, 50, 2, 0, 6);

  auto layers = Mvt(16, kAx, kAy);
  ASSERT_EQ(layers.count("traffic"), 1u);
  ASSERT_EQ(layers["traffic"].features.size(), 1u);
  const MvtFeature& cell = layers["traffic"].features[0];
  EXPECT_EQ(cell.type, 3);
  EXPECT_EQ(cell.Number("reports"), 6);
  EXPECT_EQ(cell.Number("mean_speed_kmh"), 36);
  EXPECT_GE(cell.Number("vehicles_min"), 6);
  EXPECT_EQ(cell.Number("cell_z"), 16);

  ASSERT_EQ(layers["hazards"].features.size(), 1u);
  const MvtFeature& hazard = layers["hazards"].features[0];
  EXPECT_EQ(hazard.type, 1);
  EXPECT_EQ(hazard.Text("hazard"), "fog");
  EXPECT_GT(hazard.Number("confidence"), 0.5);
  // The zoom-18 cluster (column 1, row 2 of 4 x 4) is drawn at its centre.
  ASSERT_EQ(hazard.vertices.size(), 1u);
  EXPECT_EQ(hazard.vertices[0].first, 4096 * 3 / 8);
  EXPECT_EQ(hazard.vertices[0].second, 4096 * 5 / 8);

  ASSERT_EQ(layers["signs"].features.size(), 1u);
  EXPECT_EQ(layers["signs"].features[0].Number("limit_kmh"), 50);
  EXPECT_EQ(layers["signs"].features[0].Number("heading_sector"), 2);

  ASSERT_EQ(layers["weather"].features.size(), 1u);
  EXPECT_EQ(layers["weather"].features[0].Number("wipers_on"), 6);
  EXPECT_EQ(layers["weather"].features[0].Number("mean_temp_c"), 12.5);
}

TEST_F(MvtSqlTest, RollUpSumsOnlyPublishedBaseTiles) {
  AddTraffic(kAx, kAy, 0, 6, 1000);
  AddTraffic(kA2x, kA2y, 10, 6, 2000);
  AddTraffic(kB2x, kB2y, 20, 3, 3000);  // 3 vehicles < k = 5: never published, not even summed

  // Zoom 10 draws zoom-14 cells; the three base tiles share one.
  auto layers = Mvt(10, kAx >> 6, kAy >> 6);
  ASSERT_EQ(layers["traffic"].features.size(), 1u);
  const MvtFeature& cell = layers["traffic"].features[0];
  EXPECT_EQ(cell.Number("cell_z"), 14);
  EXPECT_EQ(cell.Number("cell_x"), kAx >> 2);
  EXPECT_EQ(cell.Number("reports"), 12);
  EXPECT_EQ(cell.Number("mean_speed_kmh"), 54);  // (6 x 36 + 6 x 72) / 12
  EXPECT_GE(cell.Number("vehicles_min"), 6);

  // The SQL roll-up agrees at every zoom from 16 down to 8.
  for (int z = 16; z >= 8; --z) {
    EXPECT_EQ(QueryValue<int64_t>("SELECT coalesce(sum(reports), 0) FROM map_tiles_rollup(" +
                                  std::to_string(z) + ", now() - interval '1 hour', now())"),
              12)
        << "zoom " << z;
  }
}

TEST_F(MvtSqlTest, NothingBelowKAppearsAtAnyZoom) {
  AddTraffic(kB2x, kB2y, 0, 4, 1000);
  AddHazard(kB2x * 4, kB2y * 4, 0, 4);
  AddSpeedLimit(kB2x, kB2y, 50, 0, 0, 4);
  for (int z = 16; z >= 6; --z) {
    auto layers = Mvt(z, kB2x >> (16 - z), kB2y >> (16 - z));
    EXPECT_TRUE(layers.empty()) << "zoom " << z << ": " << layers.size() << " layers";
  }
  // One more vehicle reaches k = 5: now it is published.
  AddTraffic(kB2x, kB2y, 4, 1, 1000);
  EXPECT_EQ(Mvt(16, kB2x, kB2y)["traffic"].features.size(), 1u);
  // Raising k hides it again, at every zoom.
  {
    pqxx::connection c(ConnectionString());
    pqxx::work txn(c);
    txn.exec("UPDATE map_settings SET k_anonymity = 6");
    txn.commit();
  }
  EXPECT_TRUE(Mvt(16, kB2x, kB2y).empty());
  EXPECT_TRUE(Mvt(12, kB2x >> 4, kB2y >> 4).empty());
}

TEST_F(MvtSqlTest, GeometryViewsAnswerSpatialQueries) {
  AddTraffic(kAx, kAy, 0, 6);
  AddHazard(kAx * 4 + 1, kAy * 4 + 2, 0, 6);
  AddSpeedLimit(kAx, kAy, 50, 2, 0, 6);
  const std::string munich = "ST_MakeEnvelope(11.56, 48.13, 11.58, 48.15, 4326)";
  const std::string paris = "ST_MakeEnvelope(2.3, 48.8, 2.4, 48.9, 4326)";
  EXPECT_EQ(QueryValue<int64_t>("SELECT count(*) FROM map_tiles_geo WHERE ST_Intersects(geom, " +
                                munich + ")"),
            1);
  EXPECT_EQ(QueryValue<int64_t>("SELECT count(*) FROM map_tiles_geo WHERE ST_Intersects(geom, " +
                                paris + ")"),
            0);
  EXPECT_EQ(QueryValue<int>("SELECT ST_SRID(geom) FROM map_tiles_geo"), 4326);
  EXPECT_EQ(QueryValue<int>("SELECT ST_SRID(geom_3857) FROM map_tiles_geo"), 3857);
  // Distance to a route: hazards within 500 m of a line through the tile.
  EXPECT_EQ(QueryValue<int64_t>(
                "SELECT count(*) FROM active_hazards_geo WHERE ST_DWithin(geom::geography, "
                "ST_SetSRID(ST_MakeLine(ST_Point(11.56, 48.142), ST_Point(11.59, 48.142)), "
                "4326)::geography, 500)"),
            1);
  EXPECT_EQ(QueryValue<std::string>("SELECT GeometryType(area) FROM active_hazards_geo"),
            "POLYGON");
  EXPECT_EQ(QueryValue<int64_t>("SELECT count(*) FROM speed_limits_geo WHERE ST_Intersects(geom, " +
                                munich + ")"),
            1);
}

TEST_F(MvtSqlTest, ReadOnlyRoleReadsViewsAndTilesButNoTable) {
  AddTraffic(kAx, kAy, 0, 6);
  pqxx::connection c(ReaderConnectionString());
  {
    pqxx::work txn(c);
    EXPECT_EQ(txn.exec1("SELECT count(*) FROM map_tiles")[0].as<int64_t>(), 1);
    EXPECT_EQ(txn.exec1("SELECT count(*) FROM map_tiles_geo")[0].as<int64_t>(), 1);
    EXPECT_GT(txn.exec1("SELECT length(roadsense_mvt(16, " + std::to_string(kAx) + ", " +
                        std::to_string(kAy) + "))")[0]
                  .as<int64_t>(),
              0);
  }
  for (const char* sql : {"SELECT count(*) FROM tile_stats", "SELECT * FROM hazard_clusters",
                          "UPDATE map_settings SET k_anonymity = 1", "DELETE FROM ingest_ledger"}) {
    pqxx::work txn(c);
    EXPECT_THROW(txn.exec(sql), pqxx::insufficient_privilege) << sql;
  }
}

TEST_F(MvtSqlTest, TileOutsideTheGridIsAnError) {
  pqxx::connection c(ConnectionString());
  pqxx::work txn(c);
  EXPECT_THROW(txn.exec("SELECT roadsense_mvt(3, 8, 0)"), pqxx::data_exception);
}

}  // namespace
}  // namespace roadsense::tiles
