#include "simulator/retry_policy.h"

#include <gtest/gtest.h>

namespace roadsense::simulator {
namespace {

using std::chrono::milliseconds;

TEST(RetryPolicyTest, ServerErrorsTimeoutsAndThrottlingAreRetryable) {
  for (int s : {500, 502, 503, 504, 408, 429}) EXPECT_TRUE(RetryPolicy::IsRetryableStatus(s)) << s;
  for (int s : {200, 202, 400, 401, 403, 404, 413, 415, 422}) {
    EXPECT_FALSE(RetryPolicy::IsRetryableStatus(s)) << s;
  }
}

TEST(RetryPolicyTest, DelayDoublesWithJitterUpToTheCap) {
  const RetryPolicy policy(20, milliseconds(100), milliseconds(1000));
  Prng rng(1);
  for (int i = 0; i < 100; ++i) {
    const auto d1 = policy.Delay(1, std::nullopt, rng);
    EXPECT_GE(d1, milliseconds(50));
    EXPECT_LE(d1, milliseconds(100));
    const auto d3 = policy.Delay(3, std::nullopt, rng);
    EXPECT_GE(d3, milliseconds(200));
    EXPECT_LE(d3, milliseconds(400));
    const auto d10 = policy.Delay(10, std::nullopt, rng);
    EXPECT_GE(d10, milliseconds(500));
    EXPECT_LE(d10, milliseconds(1000));
  }
}

TEST(RetryPolicyTest, RetryAfterIsALowerBound) {
  const RetryPolicy policy(20, milliseconds(100), milliseconds(1000));
  Prng rng(1);
  EXPECT_EQ(policy.Delay(1, milliseconds(3000), rng), milliseconds(3000));
  EXPECT_LE(policy.Delay(1, milliseconds(10), rng), milliseconds(100));
}

}  // namespace
}  // namespace roadsense::simulator
