#include "simulator/drain_waiter.h"

#include <gtest/gtest.h>

#include <deque>

namespace roadsense::simulator {
namespace {

using namespace std::chrono_literals;

// A fake clock that only moves when the waiter sleeps.
struct FakeTime {
  std::chrono::steady_clock::time_point now{};
  DrainOptions Options(std::chrono::milliseconds timeout = 10s) {
    DrainOptions o;
    o.timeout = timeout;
    o.now = [this] { return now; };
    o.sleep = [this](std::chrono::milliseconds d) { now += d; };
    return o;
  }
};

// Answers from a script; the last answer repeats.
template <typename T>
std::function<Result<T>()> Script(std::deque<Result<T>> answers) {
  auto shared = std::make_shared<std::deque<Result<T>>>(std::move(answers));
  return [shared]() -> Result<T> {
    Result<T> r = shared->front();
    if (shared->size() > 1) shared->pop_front();
    return r;
  };
}

QueueDepth Depth(int64_t visible, int64_t in_flight = 0, int64_t delayed = 0) {
  return {visible, in_flight, delayed};
}

TEST(DrainWaiterTest, WaitsForConsecutiveEmptyPollsThenSettledTotals) {
  FakeTime t;
  int sum_reads = 0;
  const DrainResult r = DrainWaiter::Wait(
      Script<QueueDepth>({Depth(5), Depth(0), Depth(0, 2), Depth(0), Depth(0)}),
      [&]() -> Result<int64_t> {
        ++sum_reads;
        return int64_t{100};
      },
      100, t.Options());
  EXPECT_TRUE(r.ok());
  EXPECT_TRUE(r.queue_empty);
  // Polls 1-5 watch the queue (an in-flight message resets the streak); the totals are read
  // from poll 5 on and agree on polls 5 and 6.
  EXPECT_EQ(r.polls, 6);
  EXPECT_EQ(sum_reads, 2);
  EXPECT_EQ(r.last_sum, 100);
  EXPECT_DOUBLE_EQ(r.queue_s, 1.0);  // four pauses of 250 ms
}

TEST(DrainWaiterTest, DelayedMessagesAreNotDrained) {
  FakeTime t;
  const DrainResult r = DrainWaiter::Wait(Script<QueueDepth>({Depth(0, 0, 1)}),
                                          Script<int64_t>({int64_t{100}}), 100, t.Options(2s));
  EXPECT_FALSE(r.ok());
  EXPECT_FALSE(r.queue_empty);
  EXPECT_EQ(r.last_depth.delayed, 1);
  EXPECT_NE(r.Describe().find("1 delayed"), std::string::npos) << r.Describe();
}

TEST(DrainWaiterTest, QueueErrorsCountAsNotYetEmpty) {
  FakeTime t;
  const DrainResult r =
      DrainWaiter::Wait(Script<QueueDepth>({Depth(0), Unavailable("down"), Depth(0), Depth(0)}),
                        Script<int64_t>({int64_t{7}}), 7, t.Options());
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.polls, 5);  // empty, error (resets), empty, empty → totals twice
}

TEST(DrainWaiterTest, DrainedQueueWithMissingReportsStopsWaitingOnceSettled) {
  FakeTime t;
  const DrainResult r = DrainWaiter::Wait(Script<QueueDepth>({Depth(0)}),
                                          Script<int64_t>({int64_t{90}}), 100, t.Options(60s));
  EXPECT_TRUE(r.ok());  // drained; the exact comparison then reports the 10 missing reports
  EXPECT_EQ(r.last_sum, 90);
  EXPECT_LT(r.elapsed_s, 2);
}

TEST(DrainWaiterTest, WithoutAQueueWaitsForTheTargetTotal) {
  FakeTime t;
  const DrainResult r = DrainWaiter::Wait(
      nullptr, Script<int64_t>({int64_t{10}, int64_t{50}, int64_t{100}, int64_t{100}}), 100,
      t.Options());
  EXPECT_TRUE(r.ok());
  EXPECT_FALSE(r.queue_checked);
  EXPECT_EQ(r.polls, 4);
}

TEST(DrainWaiterTest, TimesOutWhenTheTotalNeverArrives) {
  FakeTime t;
  const DrainResult r =
      DrainWaiter::Wait(nullptr, Script<int64_t>({int64_t{10}}), 100, t.Options(3s));
  EXPECT_FALSE(r.ok());
  EXPECT_GE(r.elapsed_s, 3);
  EXPECT_NE(r.Describe().find("NOT drained"), std::string::npos);
}

}  // namespace
}  // namespace roadsense::simulator
