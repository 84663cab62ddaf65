#include "worker/tile_aggregator.h"

#include <gtest/gtest.h>

#include "db/hyper_log_log.h"
#include "geo/tile_key.h"

namespace roadsense::worker {
namespace {

constexpr int32_t kLat = 481374000;  // Munich, degrees × 1e7
constexpr int32_t kLon = 115755000;
constexpr int64_t kT0 = 1'700'000'100'000;  // a 300 s bucket boundary
constexpr uint64_t kVehicle = 0x1234'5678'9abc'def0;

v1::Report Probe(int64_t t_ms, uint32_t speed_cms, int32_t lat = kLat, int32_t lon = kLon) {
  v1::Report r;
  r.set_observed_time_ms(t_ms);
  r.mutable_position()->set_lat_e7(lat);
  r.mutable_position()->set_lon_e7(lon);
  r.mutable_position()->set_speed_cms(speed_cms);
  r.mutable_probe();
  return r;
}

db::TileBucketKey KeyAt(int64_t t_ms, int32_t lat = kLat, int32_t lon = kLon) {
  return {geo::TileForPoint(lat, lon), geo::BucketStartMs(t_ms, 300)};
}

TEST(TileAggregator, PlacesReportInItsTileAndBucket) {
  TileAggregator agg(300);
  agg.Add(Probe(kT0 + 1234, 1000), kVehicle);
  ASSERT_EQ(agg.tiles().size(), 1u);
  const auto& [key, stats] = *agg.tiles().begin();
  EXPECT_EQ(key, KeyAt(kT0 + 1234));
  EXPECT_EQ(key.tile.z, 16);
  EXPECT_EQ(key.bucket_start_ms, kT0);
  EXPECT_EQ(stats.reports, 1);
}

TEST(TileAggregator, SameTileInTwoBucketsMakesTwoRows) {
  TileAggregator agg(300);
  agg.Add(Probe(kT0, 1000), kVehicle);
  agg.Add(Probe(kT0 + 300'000, 1000), kVehicle);
  EXPECT_EQ(agg.tiles().size(), 2u);
}

TEST(TileAggregator, ReportsInOneTileAndBucketMerge) {
  TileAggregator agg(300);
  agg.Add(Probe(kT0 + 10, 1000), kVehicle);
  agg.Add(Probe(kT0 + 20, 3000), kVehicle);
  ASSERT_EQ(agg.tiles().size(), 1u);
  const db::TileStats& s = agg.tiles().begin()->second;
  EXPECT_EQ(s.reports, 2);
  EXPECT_EQ(s.speed_n, 2);
  EXPECT_EQ(s.speed_sum_cms, 4000);
  EXPECT_DOUBLE_EQ(s.speed_sumsq, 1000.0 * 1000 + 3000.0 * 3000);
  EXPECT_EQ(s.speed_min_cms, 1000);
  EXPECT_EQ(s.speed_max_cms, 3000);
  EXPECT_EQ(s.first_observed_ms, kT0 + 10);
  EXPECT_EQ(s.last_observed_ms, kT0 + 20);
}

TEST(TileAggregator, AlternatingRowsEachKeepTheirOwnCounts) {
  TileAggregator agg(300);
  for (int i = 0; i < 3; ++i) {
    agg.Add(Probe(kT0 + i, 1000), kVehicle);            // row A
    agg.Add(Probe(kT0 + 300'000 + i, 2000), kVehicle);  // row B, next bucket
  }
  agg.Add(Probe(kT0 + 9, 1000), kVehicle);  // A again
  ASSERT_EQ(agg.tiles().size(), 2u);
  EXPECT_EQ(agg.tiles().at(KeyAt(kT0)).reports, 4);
  EXPECT_EQ(agg.tiles().at(KeyAt(kT0 + 300'000)).reports, 3);
}

TEST(TileAggregator, ARowAfterTakeLandsInTheNewDelta) {
  TileAggregator agg(300);
  agg.Add(Probe(kT0, 1000), kVehicle);
  db::MapDelta first = agg.Take();
  agg.Add(Probe(kT0 + 1, 1000), kVehicle);  // the same row as the report before Take()
  EXPECT_EQ(first.tiles.at(KeyAt(kT0)).reports, 1);
  ASSERT_EQ(agg.tiles().size(), 1u);
  EXPECT_EQ(agg.tiles().at(KeyAt(kT0)).reports, 1);
}

TEST(TileAggregator, DistantPointsLandInDifferentTiles) {
  TileAggregator agg(300);
  agg.Add(Probe(kT0, 1000), kVehicle);
  agg.Add(Probe(kT0, 1000, 525200000, 134050000), kVehicle);  // Berlin
  EXPECT_EQ(agg.tiles().size(), 2u);
}

TEST(TileAggregator, ZeroSpeedIsASpeed) {
  TileAggregator agg(300);
  agg.Add(Probe(kT0, 0), kVehicle);
  agg.Add(Probe(kT0, 500), kVehicle);
  const db::TileStats& s = agg.tiles().begin()->second;
  EXPECT_EQ(s.speed_n, 2);
  EXPECT_EQ(s.speed_min_cms, 0);
}

TEST(TileAggregator, CountsEachPayloadKind) {
  TileAggregator agg(300);
  v1::Report hazard = Probe(kT0, 100);
  hazard.mutable_hazard()->set_type(v1::HAZARD_TYPE_FOG);
  v1::Report sign = Probe(kT0, 100);
  sign.mutable_sign()->set_type(v1::SIGN_TYPE_STOP);
  v1::Report weather = Probe(kT0, 100);
  weather.mutable_weather()->set_wipers(v1::WIPER_STATE_LOW);
  v1::Report bare = Probe(kT0, 100);
  bare.clear_payload();
  for (const auto* r : {&hazard, &sign, &weather, &bare}) agg.Add(*r, kVehicle);
  agg.Add(Probe(kT0, 100), kVehicle);
  const db::TileStats& s = agg.tiles().begin()->second;
  EXPECT_EQ(s.reports, 5);
  EXPECT_EQ(s.probe_reports, 1);
  EXPECT_EQ(s.hazard_reports, 1);
  EXPECT_EQ(s.sign_reports, 1);
  EXPECT_EQ(s.weather_reports, 1);
}

TEST(TileAggregator, ReportWithoutPositionIsNotPlaced) {
  TileAggregator agg(300);
  v1::Report r = Probe(kT0, 100);
  r.clear_position();
  agg.Add(r, kVehicle);
  EXPECT_TRUE(agg.tiles().empty());
  EXPECT_EQ(agg.unplaced_reports(), 1);
  EXPECT_EQ(agg.placed_reports(), 0);
}

TEST(TileAggregator, AddsEveryReportOfABatch) {
  v1::ReportBatch batch;
  *batch.add_reports() = Probe(kT0, 100);
  *batch.add_reports() = Probe(kT0 + 1, 200);
  TileAggregator agg(300);
  agg.Add(batch);
  EXPECT_EQ(agg.placed_reports(), 2);
}

TEST(TileAggregator, TakeEmptiesTheAggregator) {
  TileAggregator agg(300);
  agg.Add(Probe(kT0, 100), kVehicle);
  db::MapDelta taken = agg.Take();
  EXPECT_EQ(taken.tiles.size(), 1u);
  EXPECT_TRUE(agg.tiles().empty());
  EXPECT_EQ(agg.placed_reports(), 0);
}

v1::Report Hazard(int64_t t_ms, v1::HazardType type, bool cancellation = false,
                  uint32_t ttl_s = 0) {
  v1::Report r = Probe(t_ms, 100);
  r.mutable_hazard()->set_type(type);
  r.mutable_hazard()->set_cancellation(cancellation);
  r.mutable_hazard()->set_ttl_s(ttl_s);
  r.mutable_hazard()->set_confidence_pct(80);
  return r;
}

TEST(TileAggregator, CountsDistinctVehiclesPerTileExactly) {
  TileAggregator agg(300);
  agg.Add(Probe(kT0, 100), 1);
  agg.Add(Probe(kT0 + 1, 100), 1);
  agg.Add(Probe(kT0 + 2, 100), 2);
  agg.Add(Probe(kT0 + 3, 100), 1);
  EXPECT_EQ(agg.tiles().begin()->second.vehicles.size(), 2u);
}

TEST(TileAggregator, BatchVehicleIsTheHashOfItsPseudonym) {
  v1::ReportBatch batch;
  batch.mutable_envelope()->set_vehicle_pseudonym("car-a");
  *batch.add_reports() = Probe(kT0, 100);
  TileAggregator agg(300);
  agg.Add(batch);
  EXPECT_EQ(agg.tiles().begin()->second.vehicles.hashes(),
            std::vector<uint64_t>{db::HyperLogLog::Hash64("car-a")});
}

TEST(TileAggregator, SpeedLandsInItsFiveKmhBin) {
  TileAggregator agg(300);
  agg.Add(Probe(kT0, 1389), kVehicle);   // 50.0 km/h → bin 10
  agg.Add(Probe(kT0, 15000), kVehicle);  // 540 km/h → last bin
  const db::TileStats& s = agg.tiles().begin()->second;
  EXPECT_EQ(s.speed_hist[10], 1);
  EXPECT_EQ(s.speed_hist[db::TileStats::kSpeedBins - 1], 1);
}

TEST(TileAggregator, HazardClustersByZoom18TileAndType) {
  TileAggregator agg(300);
  agg.Add(Hazard(kT0, v1::HAZARD_TYPE_FOG), 1);
  agg.Add(Hazard(kT0 + 1000, v1::HAZARD_TYPE_FOG), 2);
  agg.Add(Hazard(kT0, v1::HAZARD_TYPE_ACCIDENT), 1);
  ASSERT_EQ(agg.hazards().size(), 2u);
  const db::HazardKey fog{geo::TileForPoint(kLat, kLon, 18), v1::HAZARD_TYPE_FOG};
  const db::HazardCluster& c = agg.hazards().at(fog);
  EXPECT_EQ(c.reports, 2);
  EXPECT_EQ(c.vehicles.size(), 2u);
  EXPECT_EQ(c.first_seen_ms, kT0);
  EXPECT_EQ(c.last_seen_ms, kT0 + 1000);
  EXPECT_EQ(c.expires_ms, kT0 + 1000 + 600'000);  // ttl 0 means 600 s
}

TEST(TileAggregator, HazardCancellationDoesNotExtendExpiry) {
  TileAggregator agg(300);
  agg.Add(Hazard(kT0, v1::HAZARD_TYPE_FOG, false, 60), 1);
  agg.Add(Hazard(kT0 + 5000, v1::HAZARD_TYPE_FOG, true, 600), 1);
  const db::HazardCluster& c = agg.hazards().begin()->second;
  EXPECT_EQ(c.cancellations, 1);
  EXPECT_EQ(c.last_cancelled_ms, kT0 + 5000);
  EXPECT_EQ(c.expires_ms, kT0 + 60'000);
  EXPECT_EQ(c.confidence_sum, 80);
}

TEST(TileAggregator, SpeedLimitSignVotesByHeadingSector) {
  TileAggregator agg(300);
  v1::Report r = Probe(kT0, 100);
  r.mutable_position()->set_heading_cdeg(9000);  // east
  r.mutable_sign()->set_type(v1::SIGN_TYPE_SPEED_LIMIT);
  r.mutable_sign()->set_value(50);
  agg.Add(r, kVehicle);
  r.mutable_position()->set_heading_cdeg(35000);  // 350° → north
  agg.Add(r, kVehicle);
  ASSERT_EQ(agg.speed_limits().size(), 2u);
  EXPECT_EQ(agg.speed_limits().begin()->first.heading_sector, 0);
  EXPECT_EQ(agg.speed_limits().rbegin()->first.heading_sector, 2);
  EXPECT_EQ(agg.speed_limits().begin()->first.limit_kmh, 50);
}

TEST(TileAggregator, WeatherSummarisesWipersFogAndTemperature) {
  TileAggregator agg(300);
  v1::Report r = Probe(kT0, 100);
  r.mutable_weather()->set_wipers(v1::WIPER_STATE_HIGH);
  r.mutable_weather()->set_fog_lights_front(true);
  r.mutable_weather()->set_outside_temp_dc(-25);
  agg.Add(r, kVehicle);
  r.mutable_weather()->clear_outside_temp_dc();
  r.mutable_weather()->set_wipers(v1::WIPER_STATE_OFF);
  agg.Add(r, kVehicle);
  const db::TileStats& s = agg.tiles().begin()->second;
  EXPECT_EQ(s.wiper_reports, (std::array<int32_t, 4>{1, 0, 0, 1}));
  EXPECT_EQ(s.fog_front_reports, 2);
  EXPECT_EQ(s.temp_n, 1);
  EXPECT_EQ(s.temp_min_dc, -25);
}

}  // namespace
}  // namespace roadsense::worker
