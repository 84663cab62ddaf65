// LatencyHistogram: a log-linear histogram of non-negative integer samples (callers record
// microseconds). Values below 32 have exact buckets; above, each power of two is split into 32
// linear sub-buckets, so a reported percentile is within 1/32 (~3%) of the true sample. Fixed
// memory (~2k counters), O(1) Record. Not thread-safe; Merge() combines per-thread histograms.
#pragma once

#include <array>
#include <cstdint>

namespace roadsense {

class LatencyHistogram {
 public:
  void Record(uint64_t value);
  void Merge(const LatencyHistogram& other);

  uint64_t count() const { return count_; }
  uint64_t min() const { return count_ ? min_ : 0; }
  uint64_t max() const { return max_; }
  double mean() const {
    return count_ ? static_cast<double>(sum_) / static_cast<double>(count_) : 0;
  }
  // The smallest recorded bucket value v such that at least p% of samples are <= v: the bucket's
  // upper edge, capped at max(). p in [0, 100]; 0 when empty.
  uint64_t Percentile(double p) const;

 private:
  static constexpr int kSubBits = 5;
  static constexpr uint64_t kSub = 1u << kSubBits;  // 32
  static constexpr int kBuckets = (64 - kSubBits + 1) * static_cast<int>(kSub);
  static int BucketOf(uint64_t value);
  static uint64_t UpperEdge(int bucket);

  std::array<uint64_t, kBuckets> counts_{};
  uint64_t count_ = 0;
  uint64_t sum_ = 0;
  uint64_t min_ = UINT64_MAX;
  uint64_t max_ = 0;
};

}  // namespace roadsense
