#include "core/status.h"

#include <gtest/gtest.h>

namespace roadsense {
namespace {

Result<int> Half(int v) {
  if (v % 2 != 0) return InvalidArgument("odd: " + std::to_string(v));
  return v / 2;
}

Status Chain(int v, int* out) {
  auto r = Half(v);
  RS_RETURN_IF_ERROR(r.status());
  *out = *r;
  return Status::Ok();
}

TEST(Status, OkByDefault) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.ToString(), "OK");
}

TEST(Status, ToStringNamesCodeAndMessage) {
  EXPECT_EQ(NotFound("queue q").ToString(), "NotFound: queue q");
}

TEST(Result, CarriesValueOrStatus) {
  auto good = Half(8);
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 4);
  auto bad = Half(3);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
}

TEST(Result, ReturnIfErrorPropagates) {
  int out = 0;
  EXPECT_TRUE(Chain(10, &out).ok());
  EXPECT_EQ(out, 5);
  EXPECT_EQ(Chain(7, &out).code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace roadsense
