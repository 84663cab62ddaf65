#include "core/latency_histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace roadsense {

int LatencyHistogram::BucketOf(uint64_t value) {
  if (value < kSub) return static_cast<int>(value);
  const int msb = 63 - std::countl_zero(value);  // >= kSubBits
  const int shift = msb - kSubBits;
  const uint64_t sub = (value >> shift) - kSub;  // [0, 32)
  return (shift + 1) * static_cast<int>(kSub) + static_cast<int>(sub);
}

uint64_t LatencyHistogram::UpperEdge(int bucket) {
  if (bucket < static_cast<int>(kSub)) return static_cast<uint64_t>(bucket);
  const int shift = bucket / static_cast<int>(kSub) - 1;
  const uint64_t sub = static_cast<uint64_t>(bucket % static_cast<int>(kSub));
  const uint64_t lower = (kSub + sub) << shift;
  return lower + ((uint64_t{1} << shift) - 1);
}

void LatencyHistogram::Record(uint64_t value) {
  ++counts_[static_cast<size_t>(BucketOf(value))];
  ++count_;
  sum_ += value;
  min_ = std::min(min_, value);
  max_ = std::max(max_, value);
}

void LatencyHistogram::Merge(const LatencyHistogram& other) {
  for (size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  sum_ += other.sum_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
}

uint64_t LatencyHistogram::Percentile(double p) const {
  if (count_ == 0) return 0;
  p = std::clamp(p, 0.0, 100.0);
  // The rank of the sample we want (1-based); at least the first sample.
  const auto rank = std::max<uint64_t>(
      1, static_cast<uint64_t>(std::ceil(p / 100.0 * static_cast<double>(count_))));
  uint64_t seen = 0;
  for (size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= rank) return std::min(UpperEdge(static_cast<int>(i)), max_);
  }
  return max_;
}

}  // namespace roadsense
