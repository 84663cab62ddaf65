#include "simulator/send_schedule.h"

#include <gtest/gtest.h>

namespace roadsense::simulator {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

double DueS(const SendSchedule& s, int64_t k) {
  return std::chrono::duration<double>(s.DueAt(k)).count();
}

TEST(SendScheduleTest, WithoutRampReportsAreEvenlySpaced) {
  const SendSchedule s(1000, milliseconds(0));
  EXPECT_DOUBLE_EQ(DueS(s, 0), 0);
  EXPECT_DOUBLE_EQ(DueS(s, 500), 0.5);
  EXPECT_DOUBLE_EQ(DueS(s, 5000), 5.0);
  EXPECT_EQ(s.ReportsWithin(seconds(10)), 10000);
}

TEST(SendScheduleTest, RampReachesTheRateLinearly) {
  const SendSchedule s(1000, seconds(10));
  // During the ramp N(t) = 1000 t² / 20: 50 reports by 1 s, 5000 by 10 s (the ramp's end).
  EXPECT_NEAR(DueS(s, 50), 1.0, 1e-9);
  EXPECT_NEAR(DueS(s, 5000), 10.0, 1e-9);
  // After it, full rate.
  EXPECT_NEAR(DueS(s, 6000), 11.0, 1e-9);
  EXPECT_EQ(s.ReportsWithin(seconds(20)), 15000);
  EXPECT_EQ(s.ReportsWithin(seconds(1)), 50);
}

TEST(SendScheduleTest, DueTimesNeverGoBackwards) {
  const SendSchedule s(777, milliseconds(3500));
  for (int64_t k = 1; k < 10000; ++k) ASSERT_GE(s.DueAt(k), s.DueAt(k - 1)) << k;
}

}  // namespace
}  // namespace roadsense::simulator
