#include "core/prometheus_histogram.h"

#include <algorithm>
#include <cstdio>

#include "core/prometheus_text.h"

namespace roadsense {
namespace {

// Prometheus prints floats; %g keeps "0.005" and "10" readable and exact enough.
std::string FormatNumber(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

}  // namespace

PrometheusHistogram::PrometheusHistogram(std::vector<uint64_t> upper_bounds)
    : upper_bounds_(std::move(upper_bounds)),
      counts_(new std::atomic<uint64_t>[upper_bounds_.size() + 1]) {
  for (size_t i = 0; i <= upper_bounds_.size(); ++i) counts_[i].store(0);
}

void PrometheusHistogram::Record(uint64_t value) {
  const size_t bucket = static_cast<size_t>(
      std::lower_bound(upper_bounds_.begin(), upper_bounds_.end(), value) - upper_bounds_.begin());
  counts_[bucket].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
}

void PrometheusHistogram::AppendTo(std::string* out, std::string_view name, std::string_view help,
                                   double scale) const {
  const std::string n(name);
  AppendPrometheusHeader(out, name, help, "histogram");
  uint64_t cumulative = 0;
  for (size_t i = 0; i <= upper_bounds_.size(); ++i) {
    cumulative += counts_[i].load(std::memory_order_relaxed);
    const std::string le = i < upper_bounds_.size()
                               ? FormatNumber(static_cast<double>(upper_bounds_[i]) * scale)
                               : "+Inf";
    *out += n + "_bucket{le=\"" + le + "\"} " + std::to_string(cumulative) + "\n";
  }
  // _count equals the +Inf bucket so that the exposition is self-consistent even while samples
  // are being recorded.
  *out += n + "_sum " + FormatNumber(static_cast<double>(sum_.load()) * scale) + "\n";
  *out += n + "_count " + std::to_string(cumulative) + "\n";
}

}  // namespace roadsense
