// PrometheusHistogram: a fixed-bucket, lock-free histogram of non-negative integer samples,
// rendered in the Prometheus text exposition format (cumulative `_bucket{le=...}`, `_sum`,
// `_count`). Samples are recorded in an integer unit (e.g. microseconds, entries); `scale`
// converts to the exposed unit when rendering (1e-6 turns microseconds into seconds).
//
// Threading: Record() and AppendTo() are thread-safe; a rendering racing with Record() may be off
// by the samples recorded meanwhile (counters are relaxed atomics), never torn.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace roadsense {

class PrometheusHistogram {
 public:
  // `upper_bounds` ascending, in the recording unit; a +Inf bucket is implicit.
  explicit PrometheusHistogram(std::vector<uint64_t> upper_bounds);

  void Record(uint64_t value);
  uint64_t count() const { return count_.load(std::memory_order_relaxed); }

  // Appends "# HELP", "# TYPE" and the series of metric `name`.
  void AppendTo(std::string* out, std::string_view name, std::string_view help, double scale) const;

 private:
  const std::vector<uint64_t> upper_bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;  // per bucket (not cumulative), +Inf last
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_{0};
};

}  // namespace roadsense
