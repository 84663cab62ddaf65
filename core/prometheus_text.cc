#include "core/prometheus_text.h"

namespace roadsense {

void AppendPrometheusHeader(std::string* out, std::string_view name, std::string_view help,
                            std::string_view type) {
  out->append("# HELP ").append(name).append(" ").append(help).append("\n");
  out->append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

void AppendPrometheusSample(
    std::string* out, std::string_view name, uint64_t value,
    std::initializer_list<std::pair<std::string_view, std::string_view>> labels) {
  out->append(name);
  if (labels.size() > 0) {
    char sep = '{';
    for (const auto& [label, label_value] : labels) {
      out->push_back(sep);
      sep = ',';
      out->append(label).append("=\"");
      // The format's escapes for label values: backslash, double quote, newline.
      for (char c : label_value) {
        if (c == '\\' || c == '"') {
          out->push_back('\\');
          out->push_back(c);
        } else if (c == '\n') {
          out->append("\\n");
        } else {
          out->push_back(c);
        }
      }
      out->push_back('"');
    }
    out->push_back('}');
  }
  out->append(" ").append(std::to_string(value)).append("\n");
}

void AppendPrometheusMetric(std::string* out, std::string_view name, std::string_view help,
                            std::string_view type, uint64_t value) {
  AppendPrometheusHeader(out, name, help, type);
  AppendPrometheusSample(out, name, value);
}

}  // namespace roadsense
