#include "core/recycled_strings.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>

namespace roadsense {
namespace {

// Takes every string this thread keeps, so that each test starts from none.
void DrainThisThread() {
  for (size_t i = 0; i < kMaxRecycledStrings; ++i) (void)TakeRecycledString();
}

TEST(RecycledStringsTest, ARecycledBufferComesBackEmptyWithItsStorage) {
  DrainThisThread();
  std::string body(10000, 'x');
  const char* storage = body.data();
  RecycleString(std::move(body));
  EXPECT_TRUE(body.empty());
  std::string again = TakeRecycledString();
  EXPECT_TRUE(again.empty());
  EXPECT_GE(again.capacity(), 10000u);
  EXPECT_EQ(again.data(), storage);
}

TEST(RecycledStringsTest, NothingKeptGivesANewString) {
  DrainThisThread();
  std::string s = TakeRecycledString();
  EXPECT_TRUE(s.empty());
  EXPECT_LT(s.capacity(), kMinRecycledCapacity);
}

TEST(RecycledStringsTest, SmallHugeAndSurplusBuffersAreNotKept) {
  DrainThisThread();
  RecycleString(std::string(100, 'x'));
  std::string huge;
  huge.reserve(kMaxRecycledCapacity + 1);
  RecycleString(std::move(huge));
  EXPECT_LT(TakeRecycledString().capacity(), kMinRecycledCapacity);

  for (size_t i = 0; i < kMaxRecycledStrings + 2; ++i) RecycleString(std::string(2000, 'x'));
  size_t kept = 0;
  for (size_t i = 0; i < kMaxRecycledStrings + 2; ++i) {
    if (TakeRecycledString().capacity() >= 2000) ++kept;
  }
  EXPECT_EQ(kept, kMaxRecycledStrings);
}

TEST(RecycledStringsTest, EachThreadHasItsOwn) {
  DrainThisThread();
  RecycleString(std::string(5000, 'x'));
  size_t other_capacity = 0;
  std::thread([&] { other_capacity = TakeRecycledString().capacity(); }).join();
  EXPECT_LT(other_capacity, kMinRecycledCapacity);
  EXPECT_GE(TakeRecycledString().capacity(), 5000u);
}

}  // namespace
}  // namespace roadsense
