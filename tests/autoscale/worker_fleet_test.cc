// WorkerFleet with stand-in workers: `sh -c 'exec sleep 30'` (the metrics flag the fleet appends
// lands in $1.. and is ignored), so starting, stopping, reaping and restarting are real processes.
#include "autoscale/worker_fleet.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <thread>

namespace roadsense::autoscale {
namespace {

using namespace std::chrono_literals;

WorkerFleetOptions SleepWorkers() {
  WorkerFleetOptions o;
  o.worker_binary = "/bin/sh";
  o.worker_args = {"-c", "exec sleep 30", "worker"};
  o.metrics_flag = "metrics-listen";
  o.metrics_port_base = 40000;  // never bound: only used to name the slots' endpoints
  return o;
}

// Reaps until `done()` or 10 s.
template <typename Pred>
bool ReapUntil(WorkerFleet* fleet, Pred done) {
  for (int i = 0; i < 200 && !done(); ++i) {
    fleet->Reap(Clock::now());
    std::this_thread::sleep_for(50ms);
  }
  return done();
}

TEST(WorkerFleet, ScalesUpAndStopsTheHighestSlotsWithSigterm) {
  WorkerFleet fleet(SleepWorkers());
  fleet.ScaleTo(3, Clock::now());
  ASSERT_EQ(fleet.active(), 3);
  ASSERT_EQ(fleet.endpoints().size(), 3u);
  fleet.ScaleTo(1, Clock::now());
  EXPECT_EQ(fleet.active(), 1);
  EXPECT_EQ(fleet.stopping(), 2);
  ASSERT_EQ(fleet.endpoints().size(), 1u);
  EXPECT_EQ(fleet.endpoints()[0].metrics_port, 40000);  // slot 0 stays
  EXPECT_TRUE(ReapUntil(&fleet, [&] { return fleet.stopping() == 0; }));
  EXPECT_EQ(fleet.restarts(), 0);
}

TEST(WorkerFleet, WorkerThatDiesIsRestartedInItsSlot) {
  WorkerFleet fleet(SleepWorkers());
  fleet.ScaleTo(2, Clock::now());
  const WorkerEndpoint victim = fleet.endpoints()[1];
  ASSERT_EQ(::kill(victim.pid, SIGKILL), 0);
  EXPECT_TRUE(ReapUntil(&fleet, [&] { return fleet.restarts() == 1; }));
  EXPECT_EQ(fleet.active(), 2);
  const auto endpoints = fleet.endpoints();
  ASSERT_EQ(endpoints.size(), 2u);
  EXPECT_NE(endpoints[1].pid, victim.pid);
  EXPECT_EQ(endpoints[1].metrics_port, victim.metrics_port);
}

TEST(WorkerFleet, StopAllLeavesNoProcess) {
  WorkerFleet fleet(SleepWorkers());
  fleet.ScaleTo(2, Clock::now());
  const auto endpoints = fleet.endpoints();
  fleet.StopAll(10s);
  EXPECT_EQ(fleet.active() + fleet.stopping(), 0);
  for (const WorkerEndpoint& e : endpoints) EXPECT_NE(::kill(e.pid, 0), 0);
}

TEST(WorkerFleet, MissingBinaryIsRetriedNotFatal) {
  WorkerFleetOptions o = SleepWorkers();
  o.worker_binary = "/nonexistent/roadsense-worker";
  WorkerFleet fleet(o);
  fleet.ScaleTo(1, Clock::now());
  EXPECT_EQ(fleet.active(), 1);  // waiting for a restart
  EXPECT_TRUE(fleet.endpoints().empty());
}

}  // namespace
}  // namespace roadsense::autoscale
