// roadsense-sim as a process against an in-process FakeReceiver: retries, exit codes, --out.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <sstream>

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

TEST(SimBinaryTest, BadFlagValueIsAUsageError) {
  TempDir dir;
  EXPECT_EQ(RunSim(dir, {"--format", "xml"}).exit_code, 2);
  EXPECT_EQ(RunSim(dir, {"--vehicles", "0"}).exit_code, 2);
  EXPECT_EQ(RunSim(dir, {"--verify"}).exit_code, 2);  // needs --db
}

}  // namespace
}  // namespace roadsense::simulator
