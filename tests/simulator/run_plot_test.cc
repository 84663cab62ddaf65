#include "simulator/run_plot.h"

#include <gtest/gtest.h>

namespace roadsense::simulator {
namespace {

RunSummary OpenLoopRun() {
  RunSummary s;
  s.mode = "open";
  s.target_reports_per_s = 5000;
  s.series = {{.t_s = 1.0, .reports_per_s = 4900.5, .errors = 0, .p99_ms = 2.25},
              {.t_s = 2.0, .reports_per_s = 5010, .errors = 2, .p99_ms = 3.5}};
  return s;
}

TEST(RunPlotTest, ScriptCarriesEverySampleAndTheTarget) {
  const std::string script = RunPlot::Script(OpenLoopRun(), "/tmp/it's.png");
  EXPECT_NE(script.find("1.000 4900.5 2.250 0\n"), std::string::npos) << script;
  EXPECT_NE(script.find("2.000 5010.0 3.500 2\n"), std::string::npos) << script;
  EXPECT_NE(script.find("5000.000 with lines dt 2 title 'target'"), std::string::npos) << script;
  EXPECT_NE(script.find("set output '/tmp/it''s.png'"), std::string::npos) << script;
}

TEST(RunPlotTest, ClosedLoopHasNoTargetLine) {
  RunSummary s = OpenLoopRun();
  s.mode = "closed";
  EXPECT_EQ(RunPlot::Script(s, "x.png").find("'target'"), std::string::npos);
}

}  // namespace
}  // namespace roadsense::simulator
