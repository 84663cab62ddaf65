#include "core/latency_histogram.h"

#include <gtest/gtest.h>

namespace roadsense {
namespace {

TEST(LatencyHistogramTest, EmptyHistogramReportsZero) {
  LatencyHistogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.Percentile(50), 0u);
  EXPECT_EQ(h.max(), 0u);
}

TEST(LatencyHistogramTest, SmallValuesAreExact) {
  LatencyHistogram h;
  for (uint64_t v = 1; v <= 10; ++v) h.Record(v);
  EXPECT_EQ(h.Percentile(50), 5u);
  EXPECT_EQ(h.Percentile(90), 9u);
  EXPECT_EQ(h.Percentile(100), 10u);
  EXPECT_EQ(h.Percentile(0), 1u);
  EXPECT_EQ(h.min(), 1u);
}

TEST(LatencyHistogramTest, LargeValuesAreWithinThreePercent) {
  LatencyHistogram h;
  for (uint64_t v = 1; v <= 100000; ++v) h.Record(v);
  for (double p : {50.0, 90.0, 99.0, 99.9}) {
    const double truth = p / 100.0 * 100000;
    const double got = static_cast<double>(h.Percentile(p));
    EXPECT_GE(got, truth) << p;  // the bucket's upper edge: never under-reports
    EXPECT_LE(got, truth * 1.032) << p;
  }
  EXPECT_EQ(h.max(), 100000u);
  EXPECT_DOUBLE_EQ(h.mean(), 50000.5);
}

TEST(LatencyHistogramTest, PercentileIsCappedAtTheMaximum) {
  LatencyHistogram h;
  h.Record(1000);  // its bucket's upper edge is 1007
  EXPECT_EQ(h.Percentile(99), 1000u);
}

TEST(LatencyHistogramTest, OutlierShowsOnlyInTheTail) {
  LatencyHistogram h;
  for (int i = 0; i < 99; ++i) h.Record(100);
  h.Record(1'000'000);
  EXPECT_NEAR(static_cast<double>(h.Percentile(50)), 100, 3);  // 100's bucket is 100..101
  EXPECT_NEAR(static_cast<double>(h.Percentile(99)), 100, 3);
  EXPECT_EQ(h.Percentile(99.5), 1'000'000u);
}

TEST(LatencyHistogramTest, MergeEqualsRecordingEverythingInOne) {
  LatencyHistogram a, b, all;
  for (uint64_t v = 0; v < 500; ++v) {
    (v % 2 ? a : b).Record(v * 37);
    all.Record(v * 37);
  }
  a.Merge(b);
  EXPECT_EQ(a.count(), all.count());
  for (double p : {1.0, 50.0, 90.0, 99.0}) EXPECT_EQ(a.Percentile(p), all.Percentile(p));
  EXPECT_EQ(a.min(), all.min());
  EXPECT_EQ(a.max(), all.max());
}

}  // namespace
}  // namespace roadsense
