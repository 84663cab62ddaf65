// PostgreSQL unreachable while the simulator sends: the workers back off (they log it and keep
// running, without spinning), the queue's backlog grows while the receivers keep accepting, and
// once PostgreSQL is back the backlog drains and the simulator's --verify is exact.
// The outage lasts 10 s here; scripts/faults sets ROADSENSE_FAULT_SECONDS=60 for the long run.
#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>
#include <thread>

#include "tests/reliability/outage_run.h"

namespace roadsense::testing {
namespace {

using namespace std::chrono_literals;

size_t CountLines(const std::string& log, const std::string& needle) {
  size_t count = 0;
  for (size_t at = log.find(needle); at != std::string::npos; at = log.find(needle, at + 1)) {
    ++count;
  }
  return count;
}

TEST(PostgresOutage, WorkersBackOffBacklogGrowsAndDrainsExactly) {
  const int outage_s = SecondsFromEnvironment("ROADSENSE_FAULT_SECONDS", 10);
  LocalPipeline p(OutagePipelineOptions());
  ASSERT_TRUE(p.Start(2).ok()) << p.Logs();
  // Open loop, 2,000 reports/s, sending well past the end of the outage.
  std::vector<std::string> flags = OpenLoopFlags(2000, outage_s + 15);
  flags.insert(flags.end(), {"--verify-timeout-s", std::to_string(outage_s + 180)});
  p.StartSimulator(flags);
  ASSERT_TRUE(p.WaitForReportsInDatabase(2000, 60s)) << p.Logs();

  p.postgres().Stop();
  const auto outage_start = std::chrono::steady_clock::now();
  const size_t logged_before_1 = CountLines(p.worker(0).ReadLog(), "retrying in");
  const size_t logged_before_2 = CountLines(p.worker(1).ReadLog(), "retrying in");
  // Held messages return after the 3 s visibility timeout; sample the backlog after that.
  std::this_thread::sleep_for(4s);
  const int64_t backlog_early = p.QueueBacklog();
  std::this_thread::sleep_until(outage_start + std::chrono::seconds(outage_s));
  const int64_t backlog_late = p.QueueBacklog();
  const size_t backoffs_1 = CountLines(p.worker(0).ReadLog(), "retrying in") - logged_before_1;
  const size_t backoffs_2 = CountLines(p.worker(1).ReadLog(), "retrying in") - logged_before_2;
  for (int i = 0; i < p.worker_count(); ++i) {
    EXPECT_TRUE(p.worker(i).running()) << "worker-" << i << " exited\n" << p.Logs();
  }
  p.postgres().Start();

  std::cout << "outage " << outage_s << " s: backlog " << backlog_early << " -> " << backlog_late
            << " messages; backoff log lines per worker " << backoffs_1 << ", " << backoffs_2
            << "\n";
  EXPECT_GT(backlog_late, backlog_early) << p.Logs();
  // Backing off: each of the 2 poll loops per worker logs each retry, with the wait doubling
  // from 100 ms to 5 s. That is about 2 × (6 + outage/5) lines; a spin would log thousands.
  const size_t bound = static_cast<size_t>(2 * (8 + outage_s / 5) + 10);
  EXPECT_GT(backoffs_1 + backoffs_2, 0u) << p.Logs();
  EXPECT_LE(backoffs_1, bound) << p.Logs();
  EXPECT_LE(backoffs_2, bound) << p.Logs();

  ExpectExactVerification(p, std::chrono::seconds(outage_s + 240));
  EXPECT_EQ(p.QueueBacklog(), 0);
}

}  // namespace
}  // namespace roadsense::testing
