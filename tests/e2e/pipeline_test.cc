// End to end: real PostgreSQL, roadsense-queue, a receiver, two workers and the simulator, with
// one worker killed -9 mid-run and restarted. The simulator's --verify waits until the queue has
// drained, compares PostgreSQL's per-tile totals with its ground truth exactly, and measures the
// hazards and speed limits consumers see against the seeded ones; it exits 0 only when the totals
// are exact and the quality meets its default thresholds.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <iostream>
#include <pqxx/pqxx>
#include <regex>
#include <sstream>
#include <string>
#include <thread>

#include "core/digest.h"
#include "tests/support/child_process.h"
#include "tests/support/test_postgres.h"

namespace roadsense::testing {
namespace {

using namespace std::chrono_literals;

class Pipeline : public ::testing::Test {
 protected:
  void SetUp() override {
    queue_port_ = FreePort();
    receiver_port_ = FreePort();
    queue_url_ = "http://127.0.0.1:" + std::to_string(queue_port_) + "/000000000000/e2e-reports";
    queue_.Start({BinaryPath("roadsense-queue"), "--listen",
                  "127.0.0.1:" + std::to_string(queue_port_), "--data-dir", dir_.path() + "/queue"},
                 dir_.path() + "/queue.log");
    ASSERT_TRUE(WaitForPort(queue_port_, 10s)) << queue_.ReadLog();
    // Authentication on, as in production: the simulator's fleet holds one API key.
    std::ofstream(dir_.path() + "/keys") << "e2e-fleet " << Sha256Hex("e2e-secret") << "\n";
    std::ofstream(dir_.path() + "/api-key") << "e2e-secret\n";
    receiver_.Start({BinaryPath("roadsense-receiver"), "--listen",
                     "127.0.0.1:" + std::to_string(receiver_port_), "--queue-url", queue_url_,
                     "--keys-file", dir_.path() + "/keys"},
                    dir_.path() + "/receiver.log");
    ASSERT_TRUE(WaitForPort(receiver_port_, 10s)) << receiver_.ReadLog();
  }

  void StartWorker(ChildProcess* worker, const std::string& name) {
    // A short visibility timeout so that the messages a killed worker held come back quickly.
    worker->Start({BinaryPath("roadsense-worker"), "--queue-url", queue_url_, "--db",
                   pg_.ConnectionString(), "--visibility-timeout", "3", "--wait-seconds", "1"},
                  dir_.path() + "/" + name + ".log");
  }

  bool WaitForReportsInDatabase(int64_t at_least, std::chrono::seconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      try {
        pqxx::connection conn(pg_.ConnectionString());
        pqxx::work tx(conn);
        auto row = tx.exec1("SELECT coalesce(sum(reports), 0) FROM tile_stats");
        if (row[0].as<int64_t>() >= at_least) return true;
      } catch (const std::exception&) {
        // The table appears once the first worker has applied the migrations.
      }
      std::this_thread::sleep_for(50ms);
    }
    return false;
  }

  std::string Logs() {
    return "--- queue\n" + queue_.ReadLog() + "--- receiver\n" + receiver_.ReadLog() +
           "--- worker-1\n" + worker1_.ReadLog() + "--- worker-2\n" + worker2_.ReadLog();
  }

  TempDir dir_;
  TestPostgres pg_;
  int queue_port_ = 0;
  int receiver_port_ = 0;
  std::string queue_url_;
  ChildProcess queue_, receiver_, worker1_, worker2_, sim_;
};

TEST_F(Pipeline, WorkerKilledMidRunLosesAndDoublesNothing) {
  StartWorker(&worker1_, "worker-1");
  StartWorker(&worker2_, "worker-2");
  sim_.Start({BinaryPath("roadsense-sim"),
              "--target",
              "http://127.0.0.1:" + std::to_string(receiver_port_),
              "--vehicles",
              "200",
              "--reports",
              "100000",
              "--reports-per-batch",
              "50",
              "--concurrency",
              "16",
              "--seed",
              "7",
              "--fleet-id",
              "e2e-fleet",
              "--api-key-file",
              dir_.path() + "/api-key",
              "--verify",
              "--db",
              pg_.ConnectionString(),
              "--verify-timeout-s",
              "120",
              "--queue-url",
              queue_url_,
              "--out",
              dir_.path() + "/results.json"},
             dir_.path() + "/sim.log");

  // Once a tenth of the reports are in PostgreSQL, kill one worker without warning: it is then
  // mid-receive, mid-transaction or mid-delete.
  ASSERT_TRUE(WaitForReportsInDatabase(10'000, 120s)) << sim_.ReadLog() << Logs();
  ASSERT_TRUE(worker1_.running()) << Logs();
  EXPECT_EQ(worker1_.Stop(SIGKILL), 128 + SIGKILL);
  std::this_thread::sleep_for(500ms);
  StartWorker(&worker1_, "worker-1");

  const int sim_exit = sim_.Wait(240s);
  const std::string sim_log = sim_.ReadLog();
  EXPECT_EQ(sim_exit, 0) << sim_log << Logs();
  EXPECT_NE(sim_log.find("verify: OK"), std::string::npos) << sim_log;
  // The verification report, for the test log.
  if (const size_t report = sim_log.find("verification report:"); report != std::string::npos) {
    std::cout << sim_log.substr(report,
                                sim_log.find('\n', sim_log.find("verify: ", report)) - report)
              << "\n";
  }

  // The quality checks measured something: the default scenario publishes seeded hazards and
  // speed limits, and the simulator waited for the queue, not only for the totals.
  std::ifstream in(dir_.path() + "/results.json");
  std::stringstream text;
  text << in.rdbuf();
  const std::string results = text.str();
  EXPECT_NE(results.find(R"("verify":{"ok":true)"), std::string::npos) << results;
  EXPECT_NE(results.find(R"("queue_checked":true)"), std::string::npos) << results;
  // A figure, not null: something was expected (null = nothing publishable to measure).
  EXPECT_TRUE(std::regex_search(results, std::regex(R"("hazards":\{"recall":[0-9])"))) << results;
  EXPECT_TRUE(std::regex_search(results, std::regex(R"("speed_limits":\{"recovery":[0-9])")))
      << results;
}

}  // namespace
}  // namespace roadsense::testing
