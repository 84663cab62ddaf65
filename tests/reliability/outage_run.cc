#include "tests/reliability/outage_run.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <iostream>

namespace roadsense::testing {

int SecondsFromEnvironment(const char* name, int fallback) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return fallback;
  const int seconds = std::atoi(value);
  return seconds > 0 ? seconds : fallback;
}

LocalPipelineOptions OutagePipelineOptions() {
  LocalPipelineOptions options;
  options.queue_name = "faults";
  options.fleet_id = "faults-fleet";
  options.api_key = "faults-secret";
  options.worker_visibility_timeout_s = 3;
  return options;
}

std::vector<std::string> OpenLoopFlags(int reports_per_second, int seconds) {
  return {"--vehicles",
          "200",
          "--rate",
          std::to_string(reports_per_second),
          "--duration-s",
          std::to_string(seconds),
          "--reports-per-batch",
          "50",
          "--concurrency",
          "16",
          "--seed",
          "11"};
}

std::string ExpectExactVerification(LocalPipeline& p, std::chrono::seconds timeout) {
  const int sim_exit = p.WaitSimulator(timeout);
  const std::string sim_log = p.simulator().ReadLog();
  EXPECT_EQ(sim_exit, 0) << p.Logs();
  EXPECT_NE(sim_log.find("verify: OK"), std::string::npos) << sim_log;
  std::cout << p.VerifySummary();
  const std::string results = p.Results();
  EXPECT_NE(results.find(R"("verify":{"ok":true)"), std::string::npos) << results;
  EXPECT_NE(results.find(R"("queue_checked":true)"), std::string::npos) << results;
  return results;
}

}  // namespace roadsense::testing
