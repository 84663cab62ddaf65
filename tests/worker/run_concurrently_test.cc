#include "worker/run_concurrently.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace roadsense::worker {
namespace {

TEST(RunConcurrently, RunsEveryIndexExactlyOnce) {
  std::vector<std::atomic<int>> runs(100);
  RunConcurrently(runs.size(), 4, [&](size_t i) { runs[i].fetch_add(1); });
  for (const auto& r : runs) EXPECT_EQ(r.load(), 1);
}

TEST(RunConcurrently, NeverRunsMoreThanWidthAtOnce) {
  std::atomic<int> running{0};
  std::atomic<int> most{0};
  RunConcurrently(40, 3, [&](size_t) {
    const int now = running.fetch_add(1) + 1;
    for (int seen = most.load(); now > seen && !most.compare_exchange_weak(seen, now);) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    running.fetch_sub(1);
  });
  EXPECT_LE(most.load(), 3);
  EXPECT_GE(most.load(), 2);  // 40 × 2 ms tasks on three threads do overlap
}

TEST(RunConcurrently, WidthZeroOrOneRunsInOrderOnTheCallingThread) {
  for (size_t width : {0, 1}) {
    std::vector<size_t> order;
    const auto caller = std::this_thread::get_id();
    RunConcurrently(5, width, [&](size_t i) {
      EXPECT_EQ(std::this_thread::get_id(), caller);
      order.push_back(i);
    });
    EXPECT_EQ(order, (std::vector<size_t>{0, 1, 2, 3, 4}));
  }
}

TEST(RunConcurrently, NothingToRun) {
  bool ran = false;
  RunConcurrently(0, 4, [&](size_t) { ran = true; });
  EXPECT_FALSE(ran);
}

}  // namespace
}  // namespace roadsense::worker
