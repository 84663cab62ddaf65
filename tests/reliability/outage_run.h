// What the two outage tests (postgres_outage_test.cc, queue_outage_test.cc) share: the length of
// an outage, the pipeline and simulator load they run, and the check that ends each run.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "tests/support/local_pipeline.h"

namespace roadsense::testing {

// Seconds from the environment variable `name` (e.g. ROADSENSE_FAULT_SECONDS, which scripts/faults
// sets for the long runs), else `fallback`.
int SecondsFromEnvironment(const char* name, int fallback);

// One receiver; a 3 s visibility timeout, so that messages held by a worker that lost its
// database or its queue come back quickly.
LocalPipelineOptions OutagePipelineOptions();

// roadsense-sim flags: open loop at `reports_per_second` for `seconds` (200 vehicles, 50 reports
// per upload, 16 connections, seed 11), for LocalPipeline::StartSimulator.
std::vector<std::string> OpenLoopFlags(int reports_per_second, int seconds);

// Waits up to `timeout` for the simulator and checks (gtest EXPECTs) that it exited 0 with
// `verify: OK`, a checked queue and exact totals; prints its verification summary. Returns its
// results JSON.
std::string ExpectExactVerification(LocalPipeline& p, std::chrono::seconds timeout);

}  // namespace roadsense::testing
