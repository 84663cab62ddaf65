#include "simulator/verification_report.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <sstream>

namespace roadsense::simulator {
namespace {

VerificationReport Passing() {
  VerificationReport v;
  v.drain = DrainResult{};
  v.drain->queue_checked = v.drain->queue_empty = v.drain->settled = true;
  v.exact_ok = true;
  v.k = 5;
  v.hazards = HazardQuality{};
  v.hazards->expected = v.hazards->recalled = 4;
  v.hazards->rows = v.hazards->true_rows = 5;
  v.speed_limits = SpeedLimitQuality{};
  v.speed_limits->expected = 10;
  v.speed_limits->recovered = 9;
  return v;
}

TEST(VerificationReportTest, PassesWhenEveryCheckMeetsItsThreshold) {
  const VerificationReport v = Passing();
  EXPECT_TRUE(v.ok());
  std::ostringstream out;
  v.Print(out);
  EXPECT_NE(out.str().find("verify: OK"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("speed limits      PASS  0.900 (min 0.90)"), std::string::npos)
      << out.str();
}

TEST(VerificationReportTest, LowRecallFailsAndIsNamed) {
  VerificationReport v = Passing();
  v.hazards->recalled = 3;  // 0.75 < 0.8
  EXPECT_FALSE(v.ok());
  EXPECT_EQ(v.Verdict(), "verify: FAILED — hazard recall");
  std::ostringstream out;
  v.Print(out);
  EXPECT_NE(out.str().find("hazard recall     FAIL  0.750"), std::string::npos) << out.str();
}

TEST(VerificationReportTest, InexactTotalsFailWhateverTheQuality) {
  VerificationReport v = Passing();
  v.exact_ok = false;
  EXPECT_EQ(v.Verdict(), "verify: FAILED — exact totals");
}

TEST(VerificationReportTest, ZeroThresholdTurnsACheckOff) {
  VerificationReport v = Passing();
  v.hazards->true_rows = 0;
  EXPECT_FALSE(v.ok());
  v.thresholds.min_hazard_precision = 0;
  EXPECT_TRUE(v.ok());
}

TEST(VerificationReportTest, NothingToMeasureIsNotAFailure) {
  VerificationReport v = Passing();
  v.hazards = HazardQuality{};  // nothing expected, no rows
  EXPECT_TRUE(v.ok());
  std::ostringstream out;
  v.Print(out);
  EXPECT_NE(out.str().find("hazard recall     PASS  n/a"), std::string::npos) << out.str();
}

TEST(VerificationReportTest, UnreadableViewsFailOnlyWhenQualityIsChecked) {
  VerificationReport v = Passing();
  v.hazards.reset();
  v.speed_limits.reset();
  v.quality_error = "relation \"active_hazards\" does not exist";
  EXPECT_FALSE(v.ok());
  v.thresholds = {0, 0, 0};
  EXPECT_TRUE(v.ok());
}

TEST(VerificationReportTest, JsonCarriesTheFigures) {
  const boost::json::value j = Passing().ToJson();
  EXPECT_TRUE(j.at("ok").as_bool());
  EXPECT_DOUBLE_EQ(j.at("hazards").at("recall").as_double(), 1.0);
  EXPECT_DOUBLE_EQ(j.at("speed_limits").at("recovery").as_double(), 0.9);
  EXPECT_TRUE(j.at("drain").at("queue_checked").as_bool());
}

}  // namespace
}  // namespace roadsense::simulator
