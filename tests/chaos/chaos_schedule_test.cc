#include "chaos/chaos_schedule.h"

#include <gtest/gtest.h>

#include <map>

namespace roadsense::chaos {
namespace {

TEST(ChaosSchedule, HasExactlyTheRequestedFaultsPerComponent) {
  ScheduleOptions o;
  o.queue_kills = 3;
  o.receiver_kills = 4;
  o.worker_kills = 5;
  o.postgres_restarts = 2;
  std::map<Component, int> n;
  for (const ChaosEvent& e : ChaosSchedule::Make(o)) ++n[e.component];
  EXPECT_EQ(n[Component::kQueue], 3);
  EXPECT_EQ(n[Component::kReceiver], 4);
  EXPECT_EQ(n[Component::kWorker], 5);
  EXPECT_EQ(n[Component::kPostgres], 2);
}

TEST(ChaosSchedule, IsSortedAndInsideTheSpan) {
  ScheduleOptions o;
  o.begin = 0.1;
  o.end = 0.7;
  const auto events = ChaosSchedule::Make(o);
  ASSERT_FALSE(events.empty());
  for (size_t i = 0; i < events.size(); ++i) {
    EXPECT_GE(events[i].at_fraction, 0.1);
    EXPECT_LE(events[i].at_fraction, 0.7);
    if (i > 0) {
      EXPECT_LE(events[i - 1].at_fraction, events[i].at_fraction);
    }
  }
}

TEST(ChaosSchedule, IndexesAndDowntimesAreInRange) {
  ScheduleOptions o;
  o.receivers = 3;
  o.workers = 4;
  o.worker_kills = 50;
  o.receiver_kills = 50;
  o.max_downtime = std::chrono::milliseconds(700);
  std::map<int, int> workers_hit;
  for (const ChaosEvent& e : ChaosSchedule::Make(o)) {
    EXPECT_GE(e.downtime.count(), 0);
    EXPECT_LT(e.downtime.count(), 700);
    if (e.component == Component::kReceiver) {
      EXPECT_LT(e.index, 3);
    }
    if (e.component == Component::kWorker) {
      EXPECT_LT(e.index, 4);
      ++workers_hit[e.index];
    }
    if (e.component == Component::kQueue || e.component == Component::kPostgres) {
      EXPECT_EQ(e.index, 0);
    }
  }
  EXPECT_EQ(workers_hit.size(), 4u);  // 50 kills reach every worker
}

TEST(ChaosSchedule, AsManyKillsAsInstancesHitEveryInstance) {
  ScheduleOptions o;
  o.receivers = 2;
  o.receiver_kills = 3;
  o.workers = 3;
  o.worker_kills = 5;
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    o.seed = seed;
    std::map<int, int> receivers, workers;
    for (const ChaosEvent& e : ChaosSchedule::Make(o)) {
      if (e.component == Component::kReceiver) ++receivers[e.index];
      if (e.component == Component::kWorker) ++workers[e.index];
    }
    EXPECT_EQ(receivers.size(), 2u) << "seed " << seed;
    EXPECT_EQ(workers.size(), 3u) << "seed " << seed;
  }
}

TEST(ChaosSchedule, PostgresAlternatesFastAndImmediate) {
  ScheduleOptions o;
  o.postgres_restarts = 4;
  int immediate = 0;
  for (const ChaosEvent& e : ChaosSchedule::Make(o)) {
    if (e.component == Component::kPostgres && e.immediate) ++immediate;
  }
  EXPECT_EQ(immediate, 2);
}

TEST(ChaosSchedule, SameSeedSameScheduleOtherSeedAnother) {
  ScheduleOptions a, b;
  b.seed = 2;
  const auto first = ChaosSchedule::Make(a);
  const auto again = ChaosSchedule::Make(a);
  const auto other = ChaosSchedule::Make(b);
  ASSERT_EQ(first.size(), again.size());
  bool differs = false;
  for (size_t i = 0; i < first.size(); ++i) {
    EXPECT_EQ(ChaosSchedule::Describe(first[i]), ChaosSchedule::Describe(again[i]));
    differs |= ChaosSchedule::Describe(first[i]) != ChaosSchedule::Describe(other[i]);
  }
  EXPECT_TRUE(differs);
}

TEST(ChaosSchedule, NoFaultsGivesAnEmptySchedule) {
  ScheduleOptions o;
  o.queue_kills = o.receiver_kills = o.worker_kills = o.postgres_restarts = 0;
  EXPECT_TRUE(ChaosSchedule::Make(o).empty());
}

}  // namespace
}  // namespace roadsense::chaos
