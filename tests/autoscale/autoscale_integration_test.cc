// roadsense-autoscale against the real pipeline: PostgreSQL, roadsense-queue, a receiver, and
// the workers the autoscaler starts. The simulator's backlog makes it scale up; one of its
// workers is killed -9 and must be restarted; the backlog drains and it scales back down; the
// simulator's --verify must find PostgreSQL's totals exactly equal to its ground truth.
#include <gtest/gtest.h>
#include <signal.h>

#include <regex>
#include <string>
#include <thread>

#include "autoscale/prometheus_text.h"
#include "net/http_client.h"
#include "tests/support/child_process.h"
#include "tests/support/test_postgres.h"

namespace roadsense::testing {
namespace {

using namespace std::chrono_literals;

class Autoscale : public ::testing::Test {
 protected:
  void SetUp() override {
    const int queue_port = FreePort();
    receiver_port_ = FreePort();
    metrics_port_ = FreePort();
    queue_url_ = "http://127.0.0.1:" + std::to_string(queue_port) + "/000000000000/scale";
    queue_.Start({BinaryPath("roadsense-queue"), "--listen",
                  "127.0.0.1:" + std::to_string(queue_port), "--data-dir", dir_.path() + "/queue"},
                 dir_.path() + "/queue.log");
    ASSERT_TRUE(WaitForPort(queue_port, 10s)) << queue_.ReadLog();
    receiver_.Start({BinaryPath("roadsense-receiver"), "--listen",
                     "127.0.0.1:" + std::to_string(receiver_port_), "--queue-url", queue_url_},
                    dir_.path() + "/receiver.log");
    ASSERT_TRUE(WaitForPort(receiver_port_, 10s)) << receiver_.ReadLog();
  }

  // The autoscaler's own gauge, or -1 when it does not answer.
  double Gauge(const std::string& name) {
    net::HttpClient http("127.0.0.1", static_cast<uint16_t>(metrics_port_));
    net::HttpRequest request;
    request.method = "GET";
    request.target = "/metrics";
    auto response = http.RoundTrip(request, 2s);
    if (!response.ok() || response->status != 200) return -1;
    return autoscale::SumSamples(response->body, name).value_or(-1);
  }

  // Polls `name` until `done(value)` or the timeout; returns the last value.
  template <typename Pred>
  double WaitForGauge(const std::string& name, Pred done, std::chrono::seconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    double v = Gauge(name);
    while (!done(v) && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(100ms);
      v = Gauge(name);
    }
    return v;
  }

  bool WaitForLog(const std::regex& pattern, std::chrono::seconds timeout, std::smatch* match) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      log_ = autoscale_.ReadLog();
      if (std::regex_search(log_, *match, pattern)) return true;
      std::this_thread::sleep_for(100ms);
    }
    return false;
  }

  std::string Logs() {
    return "--- autoscale\n" + autoscale_.ReadLog() + "--- queue\n" + queue_.ReadLog() +
           "--- receiver\n" + receiver_.ReadLog() + "--- sim\n" + sim_.ReadLog();
  }

  TempDir dir_;
  TestPostgres pg_;
  int receiver_port_ = 0;
  int metrics_port_ = 0;
  std::string queue_url_;
  std::string log_;
  ChildProcess queue_, receiver_, autoscale_, sim_;
};

TEST_F(Autoscale, SpikeScalesUpDrainsAndScalesDownWithExactTotals) {
  // A deliberately low per-worker rate guess and short cooldowns, so that a few seconds of
  // backlog are a spike worth three workers and the test stays short. Workers get one poll loop
  // each and a short visibility timeout (the killed worker's messages come back quickly).
  autoscale_.Start({BinaryPath("roadsense-autoscale"),
                    "--queue-url",
                    queue_url_,
                    "--min",
                    "1",
                    "--max",
                    "3",
                    "--target-drain-seconds",
                    "2",
                    "--worker-rate",
                    "20",
                    "--interval-seconds",
                    "0.5",
                    "--scale-up-cooldown-seconds",
                    "1",
                    "--scale-down-cooldown-seconds",
                    "3",
                    "--worker-metrics-port-base",
                    std::to_string(FreePort()),
                    "--metrics-listen",
                    "127.0.0.1:" + std::to_string(metrics_port_),
                    "--worker-binary",
                    BinaryPath("roadsense-worker"),
                    "--stop-grace-seconds",
                    "20",
                    "--",
                    "--db",
                    pg_.ConnectionString(),
                    "--threads",
                    "1",
                    "--visibility-timeout",
                    "3",
                    "--wait-seconds",
                    "1"},
                   dir_.path() + "/autoscale.log");
  ASSERT_TRUE(WaitForPort(metrics_port_, 10s)) << Logs();
  ASSERT_EQ(WaitForGauge(
                "roadsense_autoscale_workers", [](double v) { return v == 1; }, 10s),
            1)
      << Logs();

  sim_.Start({BinaryPath("roadsense-sim"), "--target",
              "http://127.0.0.1:" + std::to_string(receiver_port_), "--vehicles", "500",
              "--reports", "200000", "--reports-per-batch", "50", "--concurrency", "16", "--seed",
              "11", "--verify", "--db", pg_.ConnectionString(), "--verify-timeout-s", "90",
              // Exactness is under test here, not the map's hazard/speed-limit quality.
              "--min-hazard-recall", "0", "--min-hazard-precision", "0",
              "--min-speed-limit-recovery", "0"},
             dir_.path() + "/sim.log");

  // The backlog makes it scale up.
  std::smatch up;
  ASSERT_TRUE(WaitForLog(std::regex(R"(scale up 1 -> ([23]) )"), 60s, &up)) << Logs();
  EXPECT_GE(WaitForGauge(
                "roadsense_autoscale_workers", [](double v) { return v >= 2; }, 10s),
            2)
      << Logs();

  // A worker dies mid-run: it is restarted, and nothing is lost or counted twice.
  std::smatch started;
  ASSERT_TRUE(WaitForLog(std::regex(R"(worker slot 1: started pid (\d+))"), 10s, &started))
      << Logs();
  ASSERT_EQ(::kill(std::stoi(started[1].str()), SIGKILL), 0);
  std::smatch restarted;
  EXPECT_TRUE(WaitForLog(std::regex(R"(worker slot 1: pid \d+ died \(signal [^)]*\); restarting)"),
                         10s, &restarted))
      << Logs();

  const int sim_exit = sim_.Wait(120s);
  const std::string sim_log = sim_.ReadLog();
  EXPECT_EQ(sim_exit, 0) << Logs();
  EXPECT_NE(sim_log.find("verify: OK"), std::string::npos) << sim_log;
  EXPECT_NE(sim_log.find("200000 reports match exactly"), std::string::npos) << sim_log;

  // Drained: back down to --min, by SIGTERM (the stopped workers exit 0).
  EXPECT_EQ(WaitForGauge(
                "roadsense_autoscale_workers", [](double v) { return v == 1; }, 40s),
            1)
      << Logs();
  std::smatch down;
  EXPECT_TRUE(WaitForLog(std::regex(R"(scale down \d -> 1 )"), 5s, &down)) << Logs();
  std::smatch stopped;
  EXPECT_TRUE(WaitForLog(std::regex(R"(stopped \(exit code 0\))"), 10s, &stopped)) << Logs();
  EXPECT_GE(Gauge("roadsense_autoscale_worker_restarts_total"), 1);

  EXPECT_EQ(autoscale_.Stop(SIGTERM, 30s), 0) << Logs();
}

}  // namespace
}  // namespace roadsense::testing
