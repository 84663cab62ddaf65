#include "simulator/hazard_perception.h"

#include <gtest/gtest.h>

namespace roadsense::simulator {
namespace {

constexpr int kPasses = 20000;

HazardSite Site() {
  HazardSite s;
  s.type = roadsense::v1::HAZARD_TYPE_ACCIDENT;
  s.etsi_cause_code = 2;
  s.ttl_s = 1800;
  s.radius_m = 200;
  s.start_ms = 1'000'000;
  s.end_ms = 2'000'000;
  s.detection_probability = 0.8;
  s.mean_confidence_pct = 85;
  return s;
}

struct Tally {
  int reports = 0;
  int cancellations = 0;
  double confidence_sum = 0;
};

Tally Pass(const HazardSite& site, double distance_m, int64_t t_ms, uint64_t seed) {
  Prng rng(seed);
  Tally t;
  for (int i = 0; i < kPasses; ++i) {
    auto e = HazardPerception::Perceive(site, distance_m, t_ms, rng);
    if (!e) continue;
    EXPECT_EQ(e->type(), site.type);
    EXPECT_EQ(e->etsi_cause_code(), site.etsi_cause_code);
    EXPECT_EQ(e->ttl_s(), site.ttl_s);
    EXPECT_GE(e->confidence_pct(), 1u);
    EXPECT_LE(e->confidence_pct(), 100u);
    ++(e->cancellation() ? t.cancellations : t.reports);
    t.confidence_sum += e->confidence_pct();
  }
  return t;
}

TEST(HazardPerceptionTest, NothingIsReportedBeforeTheHazardStarts) {
  const Tally t = Pass(Site(), 10, Site().start_ms - 1, 1);
  EXPECT_EQ(t.reports + t.cancellations, 0);
}

TEST(HazardPerceptionTest, SomeCarsMissAPresentHazard) {
  const Tally t = Pass(Site(), 10, Site().start_ms + 1000, 2);
  EXPECT_EQ(t.cancellations, 0);
  // 80 % detection: well away from both "everybody" and "nobody".
  EXPECT_GT(t.reports, kPasses * 75 / 100);
  EXPECT_LT(t.reports, kPasses * 85 / 100);
}

TEST(HazardPerceptionTest, ConfidenceIsLowerAtTheEdgeOfTheSite) {
  const Tally near = Pass(Site(), 0, Site().start_ms, 3);
  const Tally far = Pass(Site(), 200, Site().start_ms, 3);
  const double near_mean = near.confidence_sum / near.reports;
  const double far_mean = far.confidence_sum / far.reports;
  EXPECT_NEAR(near_mean, 85, 2);
  EXPECT_LT(far_mean, near_mean - 15);
}

TEST(HazardPerceptionTest, CarsCancelAHazardThatHasGone) {
  const Tally t = Pass(Site(), 10, Site().end_ms + 1000, 4);
  EXPECT_EQ(t.reports, 0);
  EXPECT_GT(t.cancellations, kPasses * 6 / 10);
  EXPECT_LT(t.cancellations, kPasses * 8 / 10);
}

TEST(HazardPerceptionTest, LongGoneHazardsAreForgotten) {
  const Tally t = Pass(Site(), 10, Site().end_ms + HazardPerception::kCancellationWindowMs + 1, 5);
  EXPECT_EQ(t.reports + t.cancellations, 0);
}

TEST(HazardPerceptionTest, FalsePositivesAreRareAndUnsure) {
  Prng rng(6);
  int phantoms = 0;
  constexpr int kDraws = 1'000'000;
  for (int i = 0; i < kDraws; ++i) {
    auto e = HazardPerception::MaybeFalsePositive(rng);
    if (!e) continue;
    ++phantoms;
    EXPECT_NE(e->type(), roadsense::v1::HAZARD_TYPE_UNSPECIFIED);
    EXPECT_LE(e->confidence_pct(), 55u);
    EXPECT_FALSE(e->cancellation());
  }
  EXPECT_GT(phantoms, 0);
  EXPECT_LT(phantoms, kDraws / 1000);
}

}  // namespace
}  // namespace roadsense::simulator
