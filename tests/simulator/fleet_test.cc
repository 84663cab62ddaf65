#include "simulator/fleet.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <regex>
#include <set>

namespace roadsense::simulator {
namespace {

FleetOptions SmallFleet(uint64_t seed) {
  FleetOptions o;
  o.seed = seed;
  o.vehicles = 20;
  o.total_reports = 6000;
  o.reports_per_batch = 25;
  o.start_time_ms = 1'764'000'000'000;
  o.batches_per_pseudonym = 3;
  return o;
}

std::vector<std::string> AllBatchBytes(const FleetOptions& options) {
  Fleet fleet(options);
  std::vector<std::string> out;
  while (auto b = fleet.NextBatch()) out.push_back(b->SerializeAsString());
  return out;
}

std::vector<roadsense::v1::ReportBatch> AllBatches(const FleetOptions& options) {
  Fleet fleet(options);
  std::vector<roadsense::v1::ReportBatch> out;
  while (auto b = fleet.NextBatch()) out.push_back(std::move(*b));
  return out;
}

TEST(FleetTest, SameSeedGivesIdenticalBatches) {
  EXPECT_EQ(AllBatchBytes(SmallFleet(7)), AllBatchBytes(SmallFleet(7)));
}

TEST(FleetTest, DifferentSeedsGiveDifferentBatches) {
  const auto a = AllBatchBytes(SmallFleet(7));
  const auto b = AllBatchBytes(SmallFleet(8));
  ASSERT_FALSE(a.empty());
  ASSERT_FALSE(b.empty());
  EXPECT_NE(a.front(), b.front());
}

TEST(FleetTest, DifferentStartTimesUseDifferentPseudonyms) {
  FleetOptions later = SmallFleet(7);
  later.start_time_ms += 1;
  EXPECT_NE(AllBatches(SmallFleet(7)).front().envelope().vehicle_pseudonym(),
            AllBatches(later).front().envelope().vehicle_pseudonym());
}

TEST(FleetTest, MakesExactlyTheRequestedNumberOfReports) {
  FleetOptions o = SmallFleet(3);
  o.total_reports = 1013;  // not a multiple of vehicles or batch size: partial batches flushed
  int64_t n = 0;
  for (const auto& b : AllBatches(o)) {
    EXPECT_GE(b.reports_size(), 1);
    EXPECT_LE(b.reports_size(), o.reports_per_batch);
    n += b.reports_size();
  }
  EXPECT_EQ(n, 1013);
}

// The receiver's documented ranges (schema/roadsense.proto comments).
TEST(FleetTest, EveryReportIsWithinTheSchemaRanges) {
  const FleetOptions o = SmallFleet(11);
  const int64_t span = SimulatedSpanMs(o);
  const std::regex pseudonym_re("[A-Za-z0-9_-]{8,64}");
  for (const auto& b : AllBatches(o)) {
    const auto& env = b.envelope();
    EXPECT_TRUE(std::regex_match(env.vehicle_pseudonym(), pseudonym_re)) << env.vehicle_pseudonym();
    EXPECT_GE(env.batch_sequence(), 1u);
    EXPECT_LE(env.software_version().size(), 64u);
    for (const auto& r : b.reports()) {
      ASSERT_TRUE(r.has_position());
      const auto& p = r.position();
      EXPECT_GE(p.lat_e7(), -850511287);
      EXPECT_LE(p.lat_e7(), 850511287);
      EXPECT_GE(p.lon_e7(), -1800000000);
      EXPECT_LE(p.lon_e7(), 1800000000);
      EXPECT_LT(p.heading_cdeg(), 36000u);
      EXPECT_LE(p.speed_cms(), 15000u);
      EXPECT_GE(r.observed_time_ms(), o.start_time_ms);
      EXPECT_LT(r.observed_time_ms(), o.start_time_ms + span);
      EXPECT_LE(r.observed_time_ms(), env.sent_time_ms());
      switch (r.payload_case()) {
        case roadsense::v1::Report::kProbe:
          EXPECT_LE(std::abs(r.probe().longitudinal_accel_mms2()), 20000);
          break;
        case roadsense::v1::Report::kHazard:
          EXPECT_NE(r.hazard().type(), roadsense::v1::HAZARD_TYPE_UNSPECIFIED);
          EXPECT_LE(r.hazard().confidence_pct(), 100u);
          EXPECT_GE(r.hazard().ttl_s(), 1u);
          EXPECT_LE(r.hazard().ttl_s(), 86400u);
          EXPECT_NE(r.hazard().event_id(), 0u);
          break;
        case roadsense::v1::Report::kSign:
          EXPECT_EQ(r.sign().type(), roadsense::v1::SIGN_TYPE_SPEED_LIMIT);
          EXPECT_GE(r.sign().value(), 5u);
          EXPECT_LE(r.sign().value(), 150u);
          EXPECT_LE(r.sign().confidence_pct(), 100u);
          break;
        case roadsense::v1::Report::kWeather:
          ASSERT_TRUE(r.weather().has_outside_temp_dc());
          EXPECT_GE(r.weather().outside_temp_dc(), -600);
          EXPECT_LE(r.weather().outside_temp_dc(), 600);
          break;
        case roadsense::v1::Report::PAYLOAD_NOT_SET:
          ADD_FAILURE() << "report without payload";
      }
    }
  }
}

TEST(FleetTest, ProducesEveryKindOfReportButMostlyProbes) {
  FleetOptions o = SmallFleet(5);
  o.vehicles = 100;
  o.total_reports = 60000;  // 10 simulated minutes: enough to pass signs and hazards
  std::map<int, int64_t> kinds;
  int64_t total = 0;
  for (const auto& b : AllBatches(o)) {
    for (const auto& r : b.reports()) {
      ++kinds[r.payload_case()];
      ++total;
    }
  }
  EXPECT_GT(kinds[roadsense::v1::Report::kHazard], 0);
  EXPECT_GT(kinds[roadsense::v1::Report::kSign], 0);
  EXPECT_GT(kinds[roadsense::v1::Report::kWeather], 0);
  EXPECT_GT(kinds[roadsense::v1::Report::kProbe], total * 8 / 10);
}

TEST(FleetTest, SequencesStartAtOneAndRiseWithinEachPseudonym) {
  std::map<std::string, uint64_t> last;
  for (const auto& b : AllBatches(SmallFleet(2))) {
    const auto& env = b.envelope();
    EXPECT_EQ(env.batch_sequence(), last[env.vehicle_pseudonym()] + 1) << env.vehicle_pseudonym();
    last[env.vehicle_pseudonym()] = env.batch_sequence();
  }
}

TEST(FleetTest, PseudonymsRotateAfterTheConfiguredNumberOfBatches) {
  const FleetOptions o = SmallFleet(2);  // 20 vehicles, 300 reports each = 12 batches each
  std::set<std::string> pseudonyms;
  for (const auto& b : AllBatches(o)) {
    pseudonyms.insert(b.envelope().vehicle_pseudonym());
    EXPECT_LE(b.envelope().batch_sequence(), 3u);
  }
  EXPECT_EQ(pseudonyms.size(), 20u * 4u);
}

// Site reports fall in the site's lifetime, cancellations after it; phantoms are rare.
TEST(FleetTest, HazardReportsFollowTheSeededSites) {
  FleetOptions o = SmallFleet(5);
  o.vehicles = 200;
  o.radius_km = 3;               // a small town: cars pass the sites often
  o.total_reports = 200 * 1800;  // 30 simulated minutes
  Fleet fleet(o);
  const Scenario& scenario = fleet.scenario();
  int64_t site_reports = 0, cancellations = 0, phantoms = 0;
  int64_t point_reports = 0, at_the_spot = 0;
  const LocalFrame& frame = fleet.frame();
  while (auto b = fleet.NextBatch()) {
    for (const auto& r : b->reports()) {
      if (!r.has_hazard()) continue;
      const auto& h = r.hazard();
      const uint64_t low = h.event_id() & 0xFF;
      if (low & 0x80) {
        ++phantoms;
        EXPECT_FALSE(h.cancellation());
        continue;
      }
      ASSERT_GE(low, 1u);
      ASSERT_LE(low, scenario.hazards.size());
      const HazardSite& site = scenario.hazards[low - 1];
      EXPECT_EQ(h.type(), site.type);
      // A report goes out at most a few ticks after the observation (one report per tick).
      constexpr int64_t kSlackMs = 10'000;
      if (h.cancellation()) {
        ++cancellations;
        EXPECT_GE(r.observed_time_ms(), site.end_ms);
      } else {
        ++site_reports;
        if (site.report_radius_m < site.radius_m) {
          // A point hazard: reported where the car passed the spot (GPS noise σ 1.5 m), unless
          // the report waited a tick or two behind another observation.
          ++point_reports;
          const double lat = frame.LatitudeDeg(site.point), lon = frame.LongitudeDeg(site.point);
          const double north = (r.position().lat_e7() / 1e7 - lat) * 111'195.0;
          const double east =
              (r.position().lon_e7() / 1e7 - lon) * 111'195.0 * std::cos(lat * M_PI / 180);
          at_the_spot += std::hypot(north, east) <= kSpotRadiusM + 6;
        }
        EXPECT_GE(r.observed_time_ms(), site.start_ms);
        EXPECT_LT(r.observed_time_ms(), site.end_ms + kSlackMs);
      }
    }
  }
  EXPECT_GT(site_reports, 0);
  EXPECT_GT(point_reports, 0);
  EXPECT_GE(at_the_spot, point_reports * 9 / 10);
  EXPECT_GT(cancellations, 0);
  EXPECT_LT(phantoms, site_reports / 10);
}

}  // namespace
}  // namespace roadsense::simulator
