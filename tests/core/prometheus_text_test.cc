#include "core/prometheus_text.h"

#include <gtest/gtest.h>

#include <string>

#include "core/prometheus_histogram.h"

namespace roadsense {
namespace {

TEST(PrometheusTextTest, MetricIsHeaderAndOneSample) {
  std::string out;
  AppendPrometheusMetric(&out, "x_total", "Things seen.", "counter", 7);
  EXPECT_EQ(out, "# HELP x_total Things seen.\n# TYPE x_total counter\nx_total 7\n");
}

TEST(PrometheusTextTest, LabelValuesAreEscaped) {
  std::string out;
  AppendPrometheusSample(&out, "y", 1, {{"route", "a\"b\\c\nd"}, {"status", "200"}});
  EXPECT_EQ(out, "y{route=\"a\\\"b\\\\c\\nd\",status=\"200\"} 1\n");
}

TEST(PrometheusHistogramTest, BucketsAreCumulativeAndScaled) {
  PrometheusHistogram h({1000, 5000});
  h.Record(500);
  h.Record(2000);
  h.Record(9000);
  std::string out;
  h.AppendTo(&out, "lat_seconds", "Latency.", 1e-6);
  EXPECT_EQ(out,
            "# HELP lat_seconds Latency.\n# TYPE lat_seconds histogram\n"
            "lat_seconds_bucket{le=\"0.001\"} 1\nlat_seconds_bucket{le=\"0.005\"} 2\n"
            "lat_seconds_bucket{le=\"+Inf\"} 3\nlat_seconds_sum 0.0115\nlat_seconds_count 3\n");
}

}  // namespace
}  // namespace roadsense
