#include "simulator/map_comparison.h"

#include <gtest/gtest.h>

namespace roadsense::simulator {
namespace {

const CellKey kA{{16, 34850, 22730}, 1'764'000'000'000};
const CellKey kB{{16, 34851, 22730}, 1'764'000'000'000};

CellCounts Counts(int64_t probes, int64_t speed_sum) {
  CellCounts c;
  c.reports = c.probe_reports = c.speed_n = probes;
  c.speed_sum_cms = speed_sum;
  return c;
}

TEST(MapComparisonTest, DeltasEqualToTruthMatch) {
  const CellMap truth{{kA, Counts(3, 300)}, {kB, Counts(1, 50)}};
  const CellMap before{{kA, Counts(10, 1000)}};  // an earlier run's contribution
  const CellMap after{{kA, Counts(13, 1300)}, {kB, Counts(1, 50)}};
  const MapComparison cmp = MapComparison::Compare(truth, before, after);
  EXPECT_TRUE(cmp.ok()) << cmp.Describe(20);
  EXPECT_EQ(cmp.cells_expected, 2);
  EXPECT_EQ(cmp.observed_totals.reports, 4);
}

TEST(MapComparisonTest, MissingReportsAreAMismatch) {
  const CellMap truth{{kA, Counts(3, 300)}};
  const CellMap after{{kA, Counts(2, 200)}};
  const MapComparison cmp = MapComparison::Compare(truth, {}, after);
  ASSERT_EQ(cmp.mismatches.size(), 1u);
  EXPECT_EQ(cmp.mismatches[0].key, kA);
  EXPECT_EQ(cmp.mismatches[0].observed.reports, 2);
}

TEST(MapComparisonTest, ADifferentSpeedSumIsAMismatch) {
  const CellMap truth{{kA, Counts(3, 300)}};
  const CellMap after{{kA, Counts(3, 301)}};
  EXPECT_FALSE(MapComparison::Compare(truth, {}, after).ok());
}

TEST(MapComparisonTest, ReportsInACellTruthDoesNotKnowAreAMismatch) {
  const CellMap truth{{kA, Counts(3, 300)}};
  const CellMap after{{kA, Counts(3, 300)}, {kB, Counts(1, 10)}};
  const MapComparison cmp = MapComparison::Compare(truth, {}, after);
  ASSERT_EQ(cmp.mismatches.size(), 1u);
  EXPECT_EQ(cmp.mismatches[0].key, kB);
}

TEST(MapComparisonTest, DescribeListsAtMostTheLimitAndCountsTheRest) {
  CellMap truth;
  for (int i = 0; i < 25; ++i) truth[CellKey{{16, i, 0}, 0}] = Counts(1, 1);
  const MapComparison cmp = MapComparison::Compare(truth, {}, {});
  EXPECT_EQ(cmp.mismatches.size(), 25u);
  const std::string text = cmp.Describe(20);
  EXPECT_NE(text.find("and 5 more cells"), std::string::npos) << text;
  EXPECT_EQ(text.find("16/20/0@"), std::string::npos) << text;  // the 21st is not listed
}

}  // namespace
}  // namespace roadsense::simulator
