#include "db/hyper_log_log.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>

namespace roadsense::db {
namespace {

HyperLogLog Sketch(int first, int count) {
  HyperLogLog h;
  for (int i = first; i < first + count; ++i)
    h.Add(HyperLogLog::Hash64("car-" + std::to_string(i)));
  return h;
}

TEST(HyperLogLog, EmptySketchEstimatesZero) { EXPECT_EQ(HyperLogLog().Estimate(), 0); }

TEST(HyperLogLog, SmallCardinalitiesAreExactEnoughForKAnonymity) {
  // Linear counting: below ~100 items the estimate is off by at most one.
  for (int n : {1, 2, 4, 5, 6, 10, 20, 50, 100}) {
    EXPECT_LE(std::llabs(Sketch(0, n).Estimate() - n), 1) << "n = " << n;
  }
}

TEST(HyperLogLog, LargeCardinalitiesStayWithinThreeStandardErrors) {
  // Standard error 1.04 / sqrt(1024) = 3.25 %; allow 3 sigma.
  for (int n : {1'000, 5'000, 20'000, 100'000}) {
    const double error = std::abs(static_cast<double>(Sketch(0, n).Estimate()) - n) / n;
    EXPECT_LT(error, 3 * 0.0325) << "n = " << n;
  }
}

TEST(HyperLogLog, MeanErrorOverManySetsMatchesTheory) {
  double sum_sq = 0;
  constexpr int kSets = 40;
  constexpr int kN = 10'000;
  for (int s = 0; s < kSets; ++s) {
    const double e = (static_cast<double>(Sketch(s * kN, kN).Estimate()) - kN) / kN;
    sum_sq += e * e;
  }
  EXPECT_LT(std::sqrt(sum_sq / kSets), 0.05);  // RMS relative error near 3.25 %
}

TEST(HyperLogLog, RepeatsCountOnce) {
  HyperLogLog h = Sketch(0, 7);
  h.Merge(Sketch(0, 7));
  h.Add(HyperLogLog::Hash64("car-3"));
  EXPECT_EQ(h.Estimate(), 7);
}

TEST(HyperLogLog, MergeEqualsSketchOfTheUnion) {
  HyperLogLog a = Sketch(0, 3000);
  a.Merge(Sketch(2000, 3000));  // overlap 1000
  EXPECT_EQ(a, Sketch(0, 5000));
}

TEST(HyperLogLog, MergeChangedSaysWhetherARegisterGrew) {
  HyperLogLog a = Sketch(0, 300);
  EXPECT_FALSE(a.MergeChanged(Sketch(0, 100)));  // a subset changes nothing
  EXPECT_EQ(a, Sketch(0, 300));
  EXPECT_TRUE(a.MergeChanged(Sketch(250, 300)));
  EXPECT_EQ(a, Sketch(0, 550));
}

TEST(HyperLogLog, AppendDenseAppendsTheDenseForm) {
  std::string out = "x";
  Sketch(0, 10).AppendDense(&out);
  EXPECT_EQ(out, "x" + Sketch(0, 10).SerializeDense());
  EXPECT_EQ(out.size(), 1 + HyperLogLog::kDenseBytes);
}

TEST(HyperLogLog, SparseAndDenseFormsRoundTrip) {
  const HyperLogLog h = Sketch(0, 300);
  auto sparse = HyperLogLog::Parse(h.SerializeSparse());
  auto dense = HyperLogLog::Parse(h.SerializeDense());
  ASSERT_TRUE(sparse.ok());
  ASSERT_TRUE(dense.ok());
  EXPECT_EQ(*sparse, h);
  EXPECT_EQ(*dense, h);
  const std::string dense_bytes = h.SerializeDense();
  const auto zeros = std::count(dense_bytes.begin() + 12, dense_bytes.end(), '\0');
  EXPECT_EQ(h.SerializeSparse().size(), 2 + 3 * (1024 - static_cast<size_t>(zeros)));
}

TEST(HyperLogLog, ParseRejectsOtherBytes) {
  EXPECT_FALSE(HyperLogLog::Parse("").ok());
  EXPECT_FALSE(HyperLogLog::Parse(std::string("\x02\x0b", 2)).ok());              // precision 11
  EXPECT_FALSE(HyperLogLog::Parse(std::string("\x02\x0a\x04\x00\x01", 5)).ok());  // index 1024
  EXPECT_FALSE(HyperLogLog::Parse(std::string("\x01\x0a\x00", 3)).ok());          // short dense
}

}  // namespace
}  // namespace roadsense::db
