// roadsense-queue unreachable while the simulator sends, twice: killed (-9, connections refused)
// and then frozen (SIGSTOP: connections accepted, nothing answered). Meanwhile the receiver must
// answer uploads 503 with Retry-After (a probe upload checks it); after each outage the queue
// comes back, the simulator's retries complete the run and its --verify is exact.
// Each outage lasts 6 s here; scripts/faults sets ROADSENSE_FAULT_SECONDS=60 for the long run.
#include <gtest/gtest.h>

#include <iostream>
#include <thread>

#include "tests/reliability/outage_run.h"

namespace roadsense::testing {
namespace {

using namespace std::chrono_literals;

// Uploads one probe report and expects 503 + Retry-After within `timeout`.
void ExpectRetryLater(LocalPipeline& p, const char* phase) {
  const auto started = std::chrono::steady_clock::now();
  auto response = p.UploadOne(15s);
  const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  ASSERT_TRUE(response.ok()) << phase << ": " << response.status().ToString() << "\n" << p.Logs();
  std::cout << phase << ": probe upload answered " << response->status << " (Retry-After '"
            << response->Header("Retry-After") << "') after " << waited.count() << " ms\n";
  EXPECT_EQ(response->status, 503) << phase << ": " << response->body;
  EXPECT_FALSE(response->Header("Retry-After").empty()) << phase;
}

TEST(QueueOutage, ReceiversAnswer503RetryAfterAndRetriesCompleteTheRun) {
  const int outage_s = SecondsFromEnvironment("ROADSENSE_FAULT_SECONDS", 6);
  LocalPipeline p(OutagePipelineOptions());
  ASSERT_TRUE(p.Start(2).ok()) << p.Logs();
  // Retries back off to 5 s; enough of them to outlast an outage.
  std::vector<std::string> flags = OpenLoopFlags(2000, 2 * outage_s + 16);
  flags.insert(flags.end(), {"--max-retries", std::to_string(20 + outage_s), "--verify-timeout-s",
                             std::to_string(outage_s + 180)});
  p.StartSimulator(flags);
  ASSERT_TRUE(p.WaitForReportsInDatabase(2000, 60s)) << p.Logs();

  // Killed: nothing listens on the queue's port.
  ASSERT_TRUE(p.Kill(Tier::kQueue, 0).ok()) << p.Logs();
  auto resume = std::chrono::steady_clock::now() + std::chrono::seconds(outage_s);
  std::this_thread::sleep_for(1s);
  ExpectRetryLater(p, "queue killed");
  std::this_thread::sleep_until(resume);
  ASSERT_TRUE(p.Restart(Tier::kQueue, 0).ok()) << p.Logs();
  std::this_thread::sleep_for(4s);
  ASSERT_TRUE(p.queue().running()) << p.Logs();

  // Frozen: the port accepts connections, but no request is answered.
  ASSERT_TRUE(p.Freeze(Tier::kQueue, 0).ok()) << p.Logs();
  resume = std::chrono::steady_clock::now() + std::chrono::seconds(outage_s);
  std::this_thread::sleep_for(1s);
  ExpectRetryLater(p, "queue frozen");
  std::this_thread::sleep_until(resume);
  ASSERT_TRUE(p.Thaw(Tier::kQueue, 0).ok()) << p.Logs();

  const std::string results = ExpectExactVerification(p, std::chrono::seconds(2 * outage_s + 240));
  // The retries: uploads the simulator had to send again.
  if (size_t at = results.find(R"("retries":)"); at != std::string::npos) {
    std::cout << "simulator " << results.substr(at, results.find_first_of(",}", at) - at) << "\n";
  }
}

}  // namespace
}  // namespace roadsense::testing
