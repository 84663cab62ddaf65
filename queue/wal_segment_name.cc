#include "queue/wal_segment_name.h"

#include <charconv>
#include <cstdio>

namespace roadsense::queue {
namespace {
constexpr std::string_view kPrefix = "wal-";
constexpr std::string_view kSuffix = ".log";
constexpr size_t kDigits = 20;
}  // namespace

std::string WalSegmentName(uint64_t first_sequence) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "wal-%020llu.log",
                static_cast<unsigned long long>(first_sequence));
  return buf;
}

std::optional<uint64_t> ParseWalSegmentName(std::string_view file_name) {
  if (file_name.size() != kPrefix.size() + kDigits + kSuffix.size()) return std::nullopt;
  if (!file_name.starts_with(kPrefix) || !file_name.ends_with(kSuffix)) return std::nullopt;
  const std::string_view digits = file_name.substr(kPrefix.size(), kDigits);
  uint64_t value = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
  return value;
}

}  // namespace roadsense::queue
