#include "simulator/run_summary.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <sstream>

namespace roadsense::simulator {
namespace {

TEST(RunSummaryTest, JsonNumbersArePlainDecimals) {
  RunSummary s;
  s.elapsed_s = 48.127;
  s.reports_per_s = 123456.789;
  s.latency_p99_ms = 0.0001;
  s.series.push_back({1.0, 2000.5, 40.25, 1, 3.5});
  const std::string text = s.ToJson();
  EXPECT_EQ(text.find('E'), std::string::npos) << text;
  EXPECT_NE(text.find("\"elapsed_s\":48.127"), std::string::npos) << text;
  EXPECT_NE(text.find("\"reports_per_s\":123456.789"), std::string::npos) << text;
  EXPECT_NE(text.find("\"p99\":0,"), std::string::npos) << text;
  const boost::json::value v = boost::json::parse(text);
  EXPECT_DOUBLE_EQ(v.at("series").at(0).at("reports_per_s").to_number<double>(), 2000.5);
}

TEST(RunSummaryTest, PrintsTheTailPercentiles) {
  RunSummary s;
  s.latency_p999_ms = 12.5;
  std::ostringstream out;
  s.Print(out);
  EXPECT_NE(out.str().find("p99.9 12.50"), std::string::npos) << out.str();
}

}  // namespace
}  // namespace roadsense::simulator
