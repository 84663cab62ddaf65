#include "simulator/ground_truth.h"

#include <gtest/gtest.h>

#include "db/hazard_cluster.h"
#include "geo/tile_key.h"
#include "simulator/fleet.h"
#include "simulator/hazard_perception.h"

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

roadsense::v1::ReportBatch BatchOf(const std::string& pseudonym,
                                   std::vector<roadsense::v1::Report> reports) {
  roadsense::v1::ReportBatch b;
  b.mutable_envelope()->set_vehicle_pseudonym(pseudonym);
  for (auto& r : reports) *b.add_reports() = std::move(r);
  return b;
}

roadsense::v1::Report Hazard(int64_t t, uint64_t event_id, bool cancellation, uint32_t ttl_s) {
  roadsense::v1::Report r = MakeReport(t, 481370000, 115750000, 800);
  auto* h = r.mutable_hazard();
  h->set_type(roadsense::v1::HAZARD_TYPE_ACCIDENT);
  h->set_event_id(event_id);
  h->set_cancellation(cancellation);
  h->set_ttl_s(ttl_s);
  return r;
}

const HazardClusterKey kAccidentCluster{geo::TileForPoint(481370000, 115750000, db::kHazardZoom),
                                        roadsense::v1::HAZARD_TYPE_ACCIDENT};

TEST(GroundTruthTest, HazardClustersCountDistinctPseudonymsAndTheirSites) {
  GroundTruth truth(300);
  const uint64_t site2 = HazardPerception::SiteEventId(0, 2);
  truth.Add(BatchOf("car-a", {Hazard(1'000'000, site2, false, 600),
                              Hazard(1'001'000, site2, false, 600)}));  // a repeat: one vehicle
  truth.Add(
      BatchOf("car-b", {Hazard(1'002'000, HazardPerception::PhantomEventId(1, 0), false, 0)}));
  const HazardClusterTruth& c = truth.hazard_clusters().at(kAccidentCluster);
  EXPECT_EQ(c.vehicles.size(), 2u);
  EXPECT_EQ(c.reports, 3);
  EXPECT_EQ(c.sites, std::set<size_t>{2});
  EXPECT_EQ(c.phantom_reports, 1);
  EXPECT_EQ(c.last_seen_ms, 1'002'000);
  EXPECT_EQ(c.expires_ms, 1'002'000 + 600'000);  // ttl 0 means 600 s, as in the map
  EXPECT_FALSE(c.last_cancelled_ms.has_value());
}

TEST(GroundTruthTest, CancellationHidesAClusterAndItsVehicleStillCounts) {
  GroundTruth truth(300);
  for (int i = 0; i < 4; ++i) {
    truth.Add(BatchOf("car-" + std::to_string(i),
                      {Hazard(1'000'000 + i, HazardPerception::SiteEventId(i, 0), false, 900)}));
  }
  const HazardClusterTruth& c = truth.hazard_clusters().at(kAccidentCluster);
  EXPECT_TRUE(c.VisibleAt(1'010'000, 4));
  EXPECT_FALSE(c.VisibleAt(1'010'000, 5));            // k-anonymity
  EXPECT_FALSE(c.VisibleAt(1'000'003 + 900'000, 4));  // expired
  truth.Add(BatchOf("car-x", {Hazard(1'005'000, HazardPerception::SiteEventId(9, 0), true, 0)}));
  EXPECT_EQ(c.vehicles.size(), 5u);  // the canceller counts among the vehicles, as in the map
  EXPECT_EQ(c.last_cancelled_ms, 1'005'000);
  EXPECT_FALSE(c.VisibleAt(1'010'000, 4));  // the latest word is a cancellation
  EXPECT_EQ(c.sites, std::set<size_t>{0});
}

TEST(GroundTruthTest, SpeedLimitVotesPerTileSectorAndValue) {
  GroundTruth truth(300);
  auto sign = [](int64_t t, uint32_t heading_cdeg, uint32_t kmh) {
    roadsense::v1::Report r = MakeReport(t, 481370000, 115750000, 1300);
    r.mutable_position()->set_heading_cdeg(heading_cdeg);
    r.mutable_sign()->set_type(roadsense::v1::SIGN_TYPE_SPEED_LIMIT);
    r.mutable_sign()->set_value(kmh);
    return r;
  };
  truth.Add(BatchOf("car-a", {sign(1'000, 9000, 50), sign(2'000, 9100, 50)}));   // east, twice
  truth.Add(BatchOf("car-b", {sign(3'000, 8900, 50), sign(4'000, 27000, 60)}));  // east; west
  const geo::TileKey tile = geo::TileForPoint(481370000, 115750000);
  const auto& east = truth.speed_limit_votes().at(SpeedLimitCellKey{tile, 2});
  ASSERT_EQ(east.size(), 1u);
  EXPECT_EQ(east.at(50).votes, 3);
  EXPECT_EQ(east.at(50).vehicles.size(), 2u);
  EXPECT_EQ(east.at(50).last_seen_ms, 3'000);
  EXPECT_EQ(truth.speed_limit_votes().at(SpeedLimitCellKey{tile, 6}).at(60).votes, 1);
}

TEST(GroundTruthTest, EveryHazardReportOfTheFleetIsAttributedToItsSite) {
  FleetOptions o;
  o.vehicles = 200;
  o.radius_km = 3;
  o.total_reports = 200 * 600;
  o.start_time_ms = 1'764'000'000'000;
  Fleet fleet(o);
  GroundTruth truth(300);
  int64_t site_reports = 0;
  while (auto b = fleet.NextBatch()) {
    truth.Add(*b);
    for (const auto& r : b->reports()) {
      site_reports += r.has_hazard() && !r.hazard().cancellation() &&
                      HazardPerception::SiteOfEventId(r.hazard().event_id()).has_value();
    }
  }
  std::set<size_t> sites;
  for (const auto& [key, c] : truth.hazard_clusters()) {
    for (size_t s : c.sites) {
      sites.insert(s);
      EXPECT_EQ(key.hazard_type, fleet.scenario().hazards[s].type);
    }
  }
  EXPECT_GT(site_reports, 0);
  EXPECT_FALSE(sites.empty());
}

}  // namespace
}  // namespace roadsense::simulator
