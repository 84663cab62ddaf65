#include "worker/tile_aggregator.h"

#include <gtest/gtest.h>

#include "geo/tile_key.h"

namespace roadsense::worker {
namespace {

constexpr int32_t kLat = 481374000;  // Munich, degrees × 1e7
constexpr int32_t kLon = 115755000;
constexpr int64_t kT0 = 1'700'000'100'000;  // a 300 s bucket boundary

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
  agg.Add(Probe(kT0 + 1234, 1000));
  ASSERT_EQ(agg.tiles().size(), 1u);
  const auto& [key, stats] = *agg.tiles().begin();
  EXPECT_EQ(key, KeyAt(kT0 + 1234));
  EXPECT_EQ(key.tile.z, 16);
  EXPECT_EQ(key.bucket_start_ms, kT0);
  EXPECT_EQ(stats.reports, 1);
}

TEST(TileAggregator, SameTileInTwoBucketsMakesTwoRows) {
  TileAggregator agg(300);
  agg.Add(Probe(kT0, 1000));
  agg.Add(Probe(kT0 + 300'000, 1000));
  EXPECT_EQ(agg.tiles().size(), 2u);
}

TEST(TileAggregator, ReportsInOneTileAndBucketMerge) {
  TileAggregator agg(300);
  agg.Add(Probe(kT0 + 10, 1000));
  agg.Add(Probe(kT0 + 20, 3000));
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

TEST(TileAggregator, DistantPointsLandInDifferentTiles) {
  TileAggregator agg(300);
  agg.Add(Probe(kT0, 1000));
  agg.Add(Probe(kT0, 1000, 525200000, 134050000));  // Berlin
  EXPECT_EQ(agg.tiles().size(), 2u);
}

TEST(TileAggregator, ZeroSpeedIsASpeed) {
  TileAggregator agg(300);
  agg.Add(Probe(kT0, 0));
  agg.Add(Probe(kT0, 500));
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
  for (const auto* r : {&hazard, &sign, &weather, &bare}) agg.Add(*r);
  agg.Add(Probe(kT0, 100));
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
  agg.Add(r);
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
  agg.Add(Probe(kT0, 100));
  db::TileStatsMap taken = agg.Take();
  EXPECT_EQ(taken.size(), 1u);
  EXPECT_TRUE(agg.tiles().empty());
  EXPECT_EQ(agg.placed_reports(), 0);
}

}  // namespace
}  // namespace roadsense::worker
