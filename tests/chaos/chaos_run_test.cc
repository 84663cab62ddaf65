// The short chaos run: roadsense-chaos with 100k reports, one queue kill, one receiver kill, two
// worker kills and one PostgreSQL restart (scripts/chaos runs the long one). Passes only when the
// simulator's verification is exact and every fault was injected.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <sstream>

#include "tests/support/child_process.h"

namespace roadsense::testing {
namespace {

using namespace std::chrono_literals;

TEST(ChaosRun, NothingAcknowledgedIsLostOrDoubleCountedUnderKills) {
  TempDir dir;
  ChildProcess chaos;
  chaos.Start({BinaryPath("roadsense-chaos"),
               "--reports",
               "100000",
               "--rate",
               "4000",
               "--queue-kills",
               "1",
               "--receiver-kills",
               "1",
               "--worker-kills",
               "2",
               "--postgres-restarts",
               "1",
               "--max-downtime-ms",
               "1000",
               "--seed",
               "8",
               "--verify-timeout-s",
               "120",
               "--work-dir",
               dir.path() + "/run",
               "--out",
               dir.path() + "/chaos.json"},
              dir.path() + "/chaos.log");
  const int exit_code = chaos.Wait(300s);
  const std::string log = chaos.ReadLog();
  auto sim_log = [&] {
    std::ifstream in(dir.path() + "/run/sim.log");
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  };
  ASSERT_EQ(exit_code, 0) << log << "\n--- sim.log\n" << sim_log();
  std::cout << log.substr(log.find("chaos run:")) << "\n";

  std::ifstream in(dir.path() + "/chaos.json");
  std::stringstream text;
  text << in.rdbuf();
  const boost::json::value out = boost::json::parse(text.str());
  EXPECT_EQ(out.at("kills").at("queue").as_int64(), 1);
  EXPECT_EQ(out.at("kills").at("receiver").as_int64(), 1);
  EXPECT_EQ(out.at("kills").at("worker").as_int64(), 2);
  EXPECT_EQ(out.at("kills").at("postgres_restarts").as_int64(), 1);
  EXPECT_TRUE(out.at("simulator").at("verify").at("ok").as_bool());
  EXPECT_EQ(out.at("simulator").at("reports").at("acked").as_int64(), 100000);
}

}  // namespace
}  // namespace roadsense::testing
