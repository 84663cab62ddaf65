#include "simulator/ground_truth.h"

#include <gtest/gtest.h>

#include "geo/tile_key.h"
#include "simulator/fleet.h"

namespace roadsense::simulator {
namespace {

roadsense::v1::Report MakeReport(int64_t t, int32_t lat_e7, int32_t lon_e7, uint32_t speed) {
  roadsense::v1::Report r;
  r.set_observed_time_ms(t);
  r.mutable_position()->set_lat_e7(lat_e7);
  r.mutable_position()->set_lon_e7(lon_e7);
  r.mutable_position()->set_speed_cms(speed);
  return r;
}

TEST(GroundTruthTest, CountsReportsByKindPerTileAndBucket) {
  roadsense::v1::ReportBatch batch;
  auto* probe = batch.add_reports();
  *probe = MakeReport(1'000'000, 481370000, 115750000, 1000);
  probe->mutable_probe();
  auto* sign = batch.add_reports();
  *sign = MakeReport(1'100'000, 481370000, 115750000, 500);  // same 300 s bucket
  sign->mutable_sign()->set_type(roadsense::v1::SIGN_TYPE_SPEED_LIMIT);
  auto* hazard = batch.add_reports();
  *hazard = MakeReport(1'200'000, 481370000, 115750000, 0);  // next bucket
  hazard->mutable_hazard()->set_type(roadsense::v1::HAZARD_TYPE_FOG);

  GroundTruth truth(300);
  truth.Add(batch);
  const geo::TileKey tile = geo::TileForPoint(481370000, 115750000);
  ASSERT_EQ(truth.cells().size(), 2u);
  const CellCounts& first = truth.cells().at(CellKey{tile, 900'000});
  EXPECT_EQ(first.reports, 2);
  EXPECT_EQ(first.probe_reports, 1);
  EXPECT_EQ(first.sign_reports, 1);
  EXPECT_EQ(first.speed_n, 2);
  EXPECT_EQ(first.speed_sum_cms, 1500);
  const CellCounts& second = truth.cells().at(CellKey{tile, 1'200'000});
  EXPECT_EQ(second.reports, 1);
  EXPECT_EQ(second.hazard_reports, 1);
  EXPECT_EQ(second.speed_n, 1);
  EXPECT_EQ(second.speed_sum_cms, 0);
}

TEST(GroundTruthTest, TotalsMatchTheGeneratedBatches) {
  FleetOptions o;
  o.vehicles = 30;
  o.total_reports = 9000;
  o.start_time_ms = 1'764'000'000'000;
  Fleet fleet(o);
  GroundTruth truth(300);
  CellCounts expected;
  while (auto b = fleet.NextBatch()) {
    truth.Add(*b);
    for (const auto& r : b->reports()) {
      ++expected.reports;
      expected.probe_reports += r.has_probe();
      expected.hazard_reports += r.has_hazard();
      expected.sign_reports += r.has_sign();
      expected.weather_reports += r.has_weather();
      ++expected.speed_n;
      expected.speed_sum_cms += r.position().speed_cms();
    }
  }
  EXPECT_EQ(truth.Totals(), expected);
  EXPECT_EQ(expected.reports, 9000);
  EXPECT_GT(truth.cells().size(), 10u);  // the fleet spreads over many tiles
}

}  // namespace
}  // namespace roadsense::simulator
