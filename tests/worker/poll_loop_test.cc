#include "worker/poll_loop.h"

#include <gtest/gtest.h>

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

TEST(PollLoopOptions, DefaultsGatherUpTo3000MessagesAnd64MiB) {
  const PollLoopOptions options;
  EXPECT_EQ(options.max_messages_per_commit, 3000);
  EXPECT_EQ(options.max_body_bytes_per_commit, int64_t{64} << 20);
}

}  // namespace
}  // namespace roadsense::worker
