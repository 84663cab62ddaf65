// roadsense-sim as a process against an in-process FakeReceiver: retries, exit codes, --out.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "tests/simulator/fake_receiver.h"
#include "tests/support/child_process.h"

namespace roadsense::simulator {
namespace {

using namespace std::chrono_literals;
using testing::BinaryPath;
using testing::ChildProcess;
using testing::TempDir;

struct SimRun {
  int exit_code = -1;
  std::string log;
};

SimRun RunSim(const TempDir& dir, std::vector<std::string> args) {
  args.insert(args.begin(), BinaryPath("roadsense-sim"));
  ChildProcess sim;
  sim.Start(args, dir.path() + "/sim.log");
  SimRun r;
  r.exit_code = sim.Wait(60s);
  r.log = sim.ReadLog();
  return r;
}

std::vector<std::string> SmallRun(const std::string& url) {
  return {"--target",      url,    "--vehicles",          "10",
          "--reports",     "1000", "--reports-per-batch", "20",
          "--concurrency", "4",    "--log-level",         "warn"};
}

int64_t ReportsIn(const std::map<std::string, roadsense::v1::ReportBatch>& batches) {
  int64_t n = 0;
  for (const auto& [key, b] : batches) n += b.reports_size();
  return n;
}

TEST(SimBinaryTest, EveryBatchArrivesOnceDespiteServerErrors) {
  // The first attempt of every upload gets a 503: each must be retried with identical bytes.
  FakeReceiver receiver([](const auto&, int seen) { return seen == 0 ? 503 : 202; });
  TempDir dir;
  auto args = SmallRun(receiver.url());
  args.insert(args.end(), {"--out", dir.path() + "/out.json"});
  const SimRun run = RunSim(dir, args);
  ASSERT_EQ(run.exit_code, 0) << run.log;
  EXPECT_EQ(receiver.accepted().size(), 50u);
  EXPECT_EQ(ReportsIn(receiver.accepted()), 1000);
  EXPECT_EQ(receiver.requests(), 100);  // each body exactly twice: the 503, then the 202

  std::ifstream in(dir.path() + "/out.json");
  std::stringstream text;
  text << in.rdbuf();
  const boost::json::value out = boost::json::parse(text.str());
  EXPECT_EQ(out.at("uploads").at("accepted").as_int64(), 50);
  EXPECT_EQ(out.at("attempts").at("retries").as_int64(), 50);
  EXPECT_EQ(out.at("reports").at("acked").as_int64(), 1000);
}

TEST(SimBinaryTest, SeveralTargetsShareTheUploads) {
  FakeReceiver first([](const auto&, int) { return 202; });
  FakeReceiver second([](const auto&, int) { return 202; });
  TempDir dir;
  const SimRun run = RunSim(dir, SmallRun(first.url() + "," + second.url()));
  ASSERT_EQ(run.exit_code, 0) << run.log;
  EXPECT_EQ(ReportsIn(first.accepted()) + ReportsIn(second.accepted()), 1000);
  EXPECT_GT(first.accepted().size(), 0u);  // 4 threads start at targets 0, 1, 0, 1
  EXPECT_GT(second.accepted().size(), 0u);
}

TEST(SimBinaryTest, RetryGoesToTheNextTargetAfterAServerError) {
  // The first receiver fails everything: each upload is retried, same bytes, on the second.
  FakeReceiver failing([](const auto&, int) { return 503; });
  FakeReceiver healthy([](const auto&, int) { return 202; });
  TempDir dir;
  const SimRun run = RunSim(dir, SmallRun(failing.url() + "," + healthy.url()));
  ASSERT_EQ(run.exit_code, 0) << run.log;
  EXPECT_EQ(failing.accepted().size(), 0u);
  EXPECT_EQ(healthy.accepted().size(), 50u);
  EXPECT_EQ(ReportsIn(healthy.accepted()), 1000);
}

TEST(SimBinaryTest, JsonFormatSendsJson) {
  FakeReceiver receiver([](const auto&, int) { return 200; });
  TempDir dir;
  auto args = SmallRun(receiver.url());
  args.insert(args.end(), {"--format", "json"});
  const SimRun run = RunSim(dir, args);
  ASSERT_EQ(run.exit_code, 0) << run.log;
  EXPECT_EQ(ReportsIn(receiver.accepted()), 1000);
  for (const auto& ct : receiver.content_types()) EXPECT_EQ(ct, "application/json");
}

TEST(SimBinaryTest, ApiKeyFileSendsBearerTokenOfTheFleet) {
  FakeReceiver receiver([](const auto&, int) { return 200; });
  TempDir dir;
  std::ofstream(dir.path() + "/key") << "s3cret-key\n";
  auto args = SmallRun(receiver.url());
  args.insert(args.end(), {"--fleet-id", "fleet-a", "--api-key-file", dir.path() + "/key"});
  const SimRun run = RunSim(dir, args);
  ASSERT_EQ(run.exit_code, 0) << run.log;
  const auto auths = receiver.authorizations();
  ASSERT_EQ(auths.size(), 50u);
  for (const auto& a : auths) EXPECT_EQ(a, "Bearer fleet-a:s3cret-key");
  for (const auto& [key, batch] : receiver.accepted()) {
    EXPECT_EQ(batch.envelope().fleet_id(), "fleet-a");
  }
}

TEST(SimBinaryTest, ApiKeyFileWithoutFleetIsAUsageError) {
  FakeReceiver receiver([](const auto&, int) { return 200; });
  TempDir dir;
  std::ofstream(dir.path() + "/key") << "k\n";
  auto args = SmallRun(receiver.url());
  args.insert(args.end(), {"--api-key-file", dir.path() + "/key"});
  EXPECT_EQ(RunSim(dir, args).exit_code, 2);
}

TEST(SimBinaryTest, RejectedUploadsExitWithThree) {
  FakeReceiver receiver([](const auto&, int) { return 400; });
  TempDir dir;
  const SimRun run = RunSim(dir, SmallRun(receiver.url()));
  EXPECT_EQ(run.exit_code, 3) << run.log;
  EXPECT_EQ(receiver.requests(), 50);  // a 4xx is final: no retries
}

TEST(SimBinaryTest, UnreachableReceiverExitsWithThree) {
  TempDir dir;
  auto args = SmallRun("http://127.0.0.1:" + std::to_string(testing::FreePort()));
  args.insert(args.end(), {"--max-retries", "1", "--reports", "40"});
  const SimRun run = RunSim(dir, args);
  EXPECT_EQ(run.exit_code, 3) << run.log;
  EXPECT_NE(run.log.find("failed 10"), std::string::npos) << run.log;  // 10 vehicles × 4
}

TEST(SimBinaryTest, DryRunGeneratesWithoutSending) {
  FakeReceiver receiver([](const auto&, int) { return 202; });
  TempDir dir;
  auto args = SmallRun(receiver.url());
  args.push_back("--dry-run");
  const SimRun run = RunSim(dir, args);
  ASSERT_EQ(run.exit_code, 0) << run.log;
  EXPECT_EQ(receiver.requests(), 0);
  EXPECT_NE(run.log.find("dry-run: generated 1000 reports in 50 uploads"), std::string::npos)
      << run.log;
}

TEST(SimBinaryTest, OpenLoopSendsEverythingAndReportsTheTargetRate) {
  FakeReceiver receiver([](const auto&, int) { return 202; });
  TempDir dir;
  auto args = SmallRun(receiver.url());
  // 1000 reports at 4000 reports/s with a 0.2 s ramp: about 0.35 s.
  args.insert(args.end(),
              {"--rate", "4000", "--ramp-up-s", "0.2", "--out", dir.path() + "/o.json"});
  const SimRun run = RunSim(dir, args);
  ASSERT_EQ(run.exit_code, 0) << run.log;
  EXPECT_EQ(ReportsIn(receiver.accepted()), 1000);
  std::ifstream in(dir.path() + "/o.json");
  std::stringstream text;
  text << in.rdbuf();
  const boost::json::value out = boost::json::parse(text.str());
  EXPECT_EQ(out.at("mode").as_string(), "open");
  EXPECT_EQ(out.at("target_reports_per_s").to_number<double>(), 4000);
  EXPECT_TRUE(out.at("latency_ms").as_object().contains("p99.9"));
  EXPECT_GE(out.at("elapsed_s").to_number<double>(), 0.3);  // the schedule paced the sending
}

TEST(SimBinaryTest, OpenLoopDurationDeterminesTheReports) {
  FakeReceiver receiver([](const auto&, int) { return 202; });
  TempDir dir;
  auto args = SmallRun(receiver.url());
  args.insert(args.end(), {"--rate", "2000", "--duration-s", "0.5"});
  const SimRun run = RunSim(dir, args);
  ASSERT_EQ(run.exit_code, 0) << run.log;
  EXPECT_EQ(ReportsIn(receiver.accepted()), 1000);  // 2000/s × 0.5 s, not --reports
}

TEST(SimBinaryTest, ClosedLoopDurationStopsTheRun) {
  // Every answer takes a while, so the 0.3 s deadline comes long before 1000 reports are sent.
  FakeReceiver receiver([](const auto&, int) {
    std::this_thread::sleep_for(20ms);
    return 202;
  });
  TempDir dir;
  auto args = SmallRun(receiver.url());
  args.insert(args.end(), {"--duration-s", "0.3", "--concurrency", "1"});
  const SimRun run = RunSim(dir, args);
  ASSERT_EQ(run.exit_code, 0) << run.log;
  EXPECT_LT(ReportsIn(receiver.accepted()), 1000);
  EXPECT_GT(ReportsIn(receiver.accepted()), 0);
  EXPECT_NE(run.log.find("stopped: --duration-s reached"), std::string::npos) << run.log;
}

TEST(SimBinaryTest, PlotDrawsAPng) {
  if (std::system("command -v gnuplot >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "gnuplot is not installed (scripts/setup installs gnuplot-nox)";
  }
  FakeReceiver receiver([](const auto&, int) { return 202; });
  TempDir dir;
  auto args = SmallRun(receiver.url());
  args.insert(args.end(), {"--plot", dir.path() + "/run.png"});
  const SimRun run = RunSim(dir, args);
  ASSERT_EQ(run.exit_code, 0) << run.log;
  std::ifstream png(dir.path() + "/run.png", std::ios::binary);
  char magic[8] = {};
  png.read(magic, sizeof magic);
  EXPECT_EQ(std::string(magic + 1, 3), "PNG");
}

TEST(SimBinaryTest, BadFlagValueIsAUsageError) {
  TempDir dir;
  EXPECT_EQ(RunSim(dir, {"--format", "xml"}).exit_code, 2);
  EXPECT_EQ(RunSim(dir, {"--vehicles", "0"}).exit_code, 2);
  EXPECT_EQ(RunSim(dir, {"--verify"}).exit_code, 2);  // needs --db
  EXPECT_EQ(RunSim(dir, {"--rate", "-1"}).exit_code, 2);
  EXPECT_EQ(RunSim(dir, {"--dry-run", "--verify", "--db", "x"}).exit_code, 2);
  EXPECT_EQ(RunSim(dir, {"--verify", "--db", "x", "--min-hazard-recall", "1.5"}).exit_code, 2);
  EXPECT_EQ(RunSim(dir, {"--verify", "--db", "x", "--queue-url", "ftp://q"}).exit_code, 2);
}

}  // namespace
}  // namespace roadsense::simulator
