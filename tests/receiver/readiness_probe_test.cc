#include "receiver/readiness_probe.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace roadsense::receiver {
namespace {

// Polls `probe` until its answer's ok() equals `want` (or 10 s pass).
bool AwaitReady(const ReadinessProbe& probe, bool want) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    if (probe.Current().ok() == want) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return false;
}

TEST(ReadinessProbeTest, ReadyAfterASuccessfulCheck) {
  ReadinessProbe probe([] { return Status::Ok(); }, std::chrono::milliseconds(10));
  EXPECT_TRUE(AwaitReady(probe, true));
}

TEST(ReadinessProbeTest, FailingCheckIsReportedWithItsMessage) {
  ReadinessProbe probe([] { return Unavailable("connection refused"); },
                       std::chrono::milliseconds(10));
  ASSERT_TRUE(AwaitReady(probe, false));
  // Before the first check and after it, the answer is "unavailable"; after it, with the reason.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (probe.Current().message() != "connection refused" &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  EXPECT_EQ(probe.Current().message(), "connection refused");
}

TEST(ReadinessProbeTest, FollowsTheQueueDownAndBackUp) {
  std::atomic<bool> up{true};
  ReadinessProbe probe([&] { return up.load() ? Status::Ok() : Unavailable("down"); },
                       std::chrono::milliseconds(5));
  ASSERT_TRUE(AwaitReady(probe, true));
  up = false;
  ASSERT_TRUE(AwaitReady(probe, false));
  up = true;
  EXPECT_TRUE(AwaitReady(probe, true));
}

TEST(ReadinessProbeTest, QueueIsDownOnlyAfterAFailedCheck) {
  std::atomic<bool> release{false};
  std::atomic<bool> up{false};
  ReadinessProbe probe(
      [&] {
        while (!release.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
        return up.load() ? Status::Ok() : Unavailable("down");
      },
      std::chrono::milliseconds(5));
  EXPECT_FALSE(probe.QueueDown());  // not checked yet: unready, but not known to be down
  release = true;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!probe.QueueDown() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  EXPECT_TRUE(probe.QueueDown());
  up = true;
  ASSERT_TRUE(AwaitReady(probe, true));
  EXPECT_FALSE(probe.QueueDown());
}

TEST(ReadinessProbeTest, HangingCheckTurnsUnreadyOnceTheLastSuccessIsStale) {
  std::atomic<bool> hang{false};
  std::atomic<bool> release{false};
  ReadinessProbe probe(
      [&] {
        while (hang.load() && !release.load()) {
          std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        return Status::Ok();
      },
      std::chrono::milliseconds(5));
  ASSERT_TRUE(AwaitReady(probe, true));
  hang = true;
  EXPECT_TRUE(AwaitReady(probe, false));
  release = true;  // lets the destructor join
}

}  // namespace
}  // namespace roadsense::receiver
