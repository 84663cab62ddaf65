#include "core/utc_time.h"

#include <gtest/gtest.h>

namespace roadsense {
namespace {

TEST(UtcTimeTest, CalendarFieldsNameTheUtcInstant) {
  const auto t = ToTimePoint({2015, 8, 30, 12, 36, 0});
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::seconds>(t->time_since_epoch()).count(),
            1440938160);
}

TEST(UtcTimeTest, OutOfRangeFieldsAreRejected) {
  EXPECT_FALSE(ToTimePoint({2015, 13, 1}).has_value());
  EXPECT_FALSE(ToTimePoint({2015, 1, 0}).has_value());
  EXPECT_FALSE(ToTimePoint({2015, 1, 1, 24, 0, 0}).has_value());
  EXPECT_FALSE(ToTimePoint({2015, 1, 1, 0, 60, 0}).has_value());
}

// Found by fuzz/sigv4_fuzzer.cc: X-Amz-Date "40520202T000000Z" overflowed the nanosecond clock.
TEST(UtcTimeTest, YearsTheClockCannotHoldAreRejected) {
  EXPECT_FALSE(ToTimePoint({4052, 2, 2}).has_value());
  EXPECT_FALSE(ToTimePoint({9999, 12, 31, 23, 59, 59}).has_value());
  EXPECT_FALSE(ToTimePoint({1000, 1, 1}).has_value());
  EXPECT_TRUE(ToTimePoint({2262, 1, 1}).has_value());
  EXPECT_TRUE(ToTimePoint({1678, 1, 1}).has_value());
}

TEST(UtcTimeTest, FixedDigitsMustAllBeDigits) {
  int value = 0;
  EXPECT_TRUE(ParseFixedDigits("x2015y", 1, 4, &value));
  EXPECT_EQ(value, 2015);
  EXPECT_FALSE(ParseFixedDigits("20a5", 0, 4, &value));
  EXPECT_FALSE(ParseFixedDigits("-201", 0, 4, &value));
  EXPECT_FALSE(ParseFixedDigits("201", 0, 4, &value));
}

}  // namespace
}  // namespace roadsense
