#include "autoscale/prometheus_text.h"

#include <charconv>
#include <cstdlib>
#include <string>

namespace roadsense::autoscale {

std::optional<double> SumSamples(std::string_view text, std::string_view metric,
                                 std::string_view label_filter) {
  std::optional<double> sum;
  while (!text.empty()) {
    const size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
    if (line.empty() || line.front() == '#' || !line.starts_with(metric)) continue;
    std::string_view rest = line.substr(metric.size());
    std::string_view labels;
    if (!rest.empty() && rest.front() == '{') {
      const size_t close = rest.find('}');
      if (close == std::string_view::npos) continue;
      labels = rest.substr(1, close - 1);
      rest = rest.substr(close + 1);
    }
    if (rest.empty() || rest.front() != ' ') continue;  // another metric sharing the prefix
    if (!label_filter.empty() && labels.find(label_filter) == std::string_view::npos) continue;
    const size_t start = rest.find_first_not_of(' ');
    if (start == std::string_view::npos) continue;
    rest.remove_prefix(start);
    const std::string value(rest.substr(0, rest.find(' ')));  // an optional timestamp follows
    char* end = nullptr;
    const double v = std::strtod(value.c_str(), &end);
    if (end == value.c_str()) continue;
    sum = sum.value_or(0) + v;
  }
  return sum;
}

}  // namespace roadsense::autoscale
