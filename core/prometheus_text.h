// The Prometheus text exposition format (version 0.0.4), the few pieces every roadsense /metrics
// endpoint writes: a metric's "# HELP"/"# TYPE" header and its sample lines. Metric names, label
// names and help texts are the caller's constants (not escaped); label values are escaped.
// Thread-safe (no shared state).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace roadsense {

// "# HELP name help\n# TYPE name type\n"; `type` is "counter", "gauge" or "histogram".
void AppendPrometheusHeader(std::string* out, std::string_view name, std::string_view help,
                            std::string_view type);

// "name{label="value",...} value\n" (no braces without labels).
void AppendPrometheusSample(
    std::string* out, std::string_view name, uint64_t value,
    std::initializer_list<std::pair<std::string_view, std::string_view>> labels = {});

// Header plus one unlabelled sample: a whole counter or gauge.
void AppendPrometheusMetric(std::string* out, std::string_view name, std::string_view help,
                            std::string_view type, uint64_t value);

}  // namespace roadsense
