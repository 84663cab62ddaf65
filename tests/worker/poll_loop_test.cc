#include "worker/poll_loop.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <mutex>
#include <vector>

namespace roadsense::worker {
namespace {

PollLoopOptions Options(int max_messages, int64_t max_bytes) {
  PollLoopOptions options;
  options.max_messages_per_commit = max_messages;
  options.max_body_bytes_per_commit = max_bytes;
  return options;
}

TEST(ShouldReceiveMore, OnlyAfterAFullReceive) {
  EXPECT_TRUE(ShouldReceiveMore(10, 10, 10, 1000, Options(1000, 1 << 20)));
  EXPECT_FALSE(ShouldReceiveMore(9, 10, 19, 1000, Options(1000, 1 << 20)));
  EXPECT_FALSE(ShouldReceiveMore(0, 10, 20, 1000, Options(1000, 1 << 20)));
}

TEST(ShouldReceiveMore, StopsBeforeTheMessageCap) {
  EXPECT_TRUE(ShouldReceiveMore(10, 10, 990, 1000, Options(1000, 1 << 20)));
  EXPECT_FALSE(ShouldReceiveMore(10, 10, 1000, 1000, Options(1000, 1 << 20)));
  EXPECT_FALSE(ShouldReceiveMore(10, 10, 10, 1000, Options(10, 1 << 20)));  // one receive each
}

TEST(ShouldReceiveMore, StopsOnceTheBodiesReachTheByteCap) {
  EXPECT_TRUE(ShouldReceiveMore(10, 10, 10, (1 << 20) - 1, Options(1000, 1 << 20)));
  EXPECT_FALSE(ShouldReceiveMore(10, 10, 10, 1 << 20, Options(1000, 1 << 20)));
}

// A receive of `n` messages, each with a `bytes`-byte body.
std::vector<sqs::ReceivedMessage> Messages(size_t n, size_t bytes = 100) {
  std::vector<sqs::ReceivedMessage> out(n);
  for (auto& m : out) m.body.assign(bytes, 'x');
  return out;
}

// A receive that always comes back full (the queue always has more), counting its calls.
std::function<Result<std::vector<sqs::ReceivedMessage>>()> AlwaysFull(std::atomic<int>* calls) {
  return [calls]() -> Result<std::vector<sqs::ReceivedMessage>> {
    calls->fetch_add(1);
    return Messages(10);
  };
}

TEST(GatherFullReceives, ConcurrentReceivesStayWithinTheMessageCap) {
  PollLoopOptions options = Options(100, 1 << 20);
  options.queue_calls_in_flight = 4;
  std::atomic<int> calls{0};
  std::vector<sqs::ReceivedMessage> held = Messages(10);
  GatherFullReceives(&held, 10, AlwaysFull(&calls), options);
  EXPECT_EQ(held.size(), 100u);
  EXPECT_EQ(calls.load(), 9);
}

TEST(GatherFullReceives, NoTransactionRunningMeansNoMoreReceives) {
  PollLoopOptions options = Options(3000, 1 << 20);
  options.queue_calls_in_flight = 4;
  std::atomic<int> calls{0};
  std::vector<sqs::ReceivedMessage> held = Messages(10);
  GatherFullReceives(&held, 10, AlwaysFull(&calls), options, [] { return false; });
  EXPECT_EQ(held.size(), 10u);  // the first receive alone: it commits at once
  EXPECT_EQ(calls.load(), 0);
}

TEST(GatherFullReceives, GathersUntilTheRunningTransactionEnds) {
  PollLoopOptions options = Options(3000, 1 << 20);
  options.queue_calls_in_flight = 1;  // one at a time: the count is exact
  std::atomic<int> calls{0};
  std::atomic<bool> committing{true};
  std::vector<sqs::ReceivedMessage> held = Messages(10);
  GatherFullReceives(
      &held, 10,
      [&]() -> Result<std::vector<sqs::ReceivedMessage>> {
        if (calls.fetch_add(1) + 1 == 5) committing = false;  // the commit ends during the 5th
        return Messages(10);
      },
      options, [&] { return committing.load(); });
  EXPECT_EQ(calls.load(), 5);
  EXPECT_EQ(held.size(), 60u);  // what arrived is kept
}

TEST(GatherFullReceives, StopsAfterAShortReceiveAndKeepsEverythingReceived) {
  PollLoopOptions options = Options(3000, 1 << 20);
  options.queue_calls_in_flight = 4;
  std::mutex mu;
  size_t left = 47;  // messages still in the queue
  std::vector<sqs::ReceivedMessage> held = Messages(10);
  GatherFullReceives(
      &held, 10,
      [&]() -> Result<std::vector<sqs::ReceivedMessage>> {
        std::lock_guard lock(mu);
        const size_t take = std::min<size_t>(left, 10);
        left -= take;
        return Messages(take);
      },
      options);
  EXPECT_EQ(held.size(), 57u);
  EXPECT_EQ(left, 0u);
}

TEST(GatherFullReceives, AFailedReceiveEndsTheGatheringWithWhatIsHeld) {
  PollLoopOptions options = Options(3000, 1 << 20);
  options.queue_calls_in_flight = 1;
  int calls = 0;
  std::vector<sqs::ReceivedMessage> held = Messages(10);
  GatherFullReceives(
      &held, 10,
      [&]() -> Result<std::vector<sqs::ReceivedMessage>> {
        if (++calls == 3) return Status(StatusCode::kUnavailable, "queue down");
        return Messages(10);
      },
      options);
  EXPECT_EQ(held.size(), 30u);
  EXPECT_EQ(calls, 3);
}

TEST(GatherFullReceives, StopsOnceTheBodiesReachTheByteCap) {
  PollLoopOptions options = Options(3000, 10'000);
  options.queue_calls_in_flight = 1;
  std::vector<sqs::ReceivedMessage> held = Messages(10, 100);
  GatherFullReceives(
      &held, 10, [&]() -> Result<std::vector<sqs::ReceivedMessage>> { return Messages(10, 100); },
      options);
  EXPECT_EQ(held.size(), 100u);  // 10,000 bytes after the tenth receive
}

TEST(GatherFullReceives, NothingMoreAfterAShortFirstReceive) {
  PollLoopOptions options = Options(3000, 1 << 20);
  std::vector<sqs::ReceivedMessage> held = Messages(7);
  GatherFullReceives(
      &held, 10,
      [&]() -> Result<std::vector<sqs::ReceivedMessage>> {
        ADD_FAILURE() << "no receive expected";
        return Messages(10);
      },
      options);
  EXPECT_EQ(held.size(), 7u);
}

TEST(PollLoopOptions, DefaultsGatherUpTo3000MessagesAnd16MiB) {
  const PollLoopOptions options;
  EXPECT_EQ(options.max_messages_per_commit, 3000);
  EXPECT_EQ(options.max_body_bytes_per_commit, int64_t{16} << 20);
}

}  // namespace
}  // namespace roadsense::worker
