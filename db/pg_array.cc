#include "db/pg_array.h"

#include <charconv>

namespace roadsense::db {
namespace {

template <typename T, typename Append>
std::string Join(const std::vector<T>& values, Append append) {
  std::string out = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ',';
    append(values[i], &out);
  }
  out += '}';
  return out;
}

template <typename N>
void AppendNumber(N value, std::string* out) {
  char buf[32];
  // std::to_chars gives the shortest text that parses back to the same double.
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  out->append(buf, end);
}

}  // namespace

std::string PgArrayLiteral(const std::vector<int64_t>& values) {
  return Join(values, [](int64_t v, std::string* out) { AppendNumber(v, out); });
}

std::string PgArrayLiteral(const std::vector<std::optional<int64_t>>& values) {
  return Join(values, [](const std::optional<int64_t>& v, std::string* out) {
    if (v) {
      AppendNumber(*v, out);
    } else {
      *out += "NULL";
    }
  });
}

std::string PgArrayLiteral(const std::vector<double>& values) {
  return Join(values, [](double v, std::string* out) { AppendNumber(v, out); });
}

std::string PgArrayLiteral(const std::vector<std::string>& values) {
  return Join(values, [](const std::string& v, std::string* out) {
    // Quoted elements are never NULL; inside quotes only " and \ need a backslash.
    *out += '"';
    for (char c : v) {
      if (c == '"' || c == '\\') *out += '\\';
      *out += c;
    }
    *out += '"';
  });
}

std::string PgHexBytes(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 0xf];
  }
  return out;
}

}  // namespace roadsense::db
