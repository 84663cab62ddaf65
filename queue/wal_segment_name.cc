#include "queue/wal_segment_name.h"

#include <charconv>
#include <cstdio>

namespace roadsense::queue {
namespace {
constexpr size_t kDigits = 20;

std::string Name(std::string_view prefix, uint64_t n, std::string_view suffix) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%020llu", static_cast<unsigned long long>(n));
  return std::string(prefix) + buf + std::string(suffix);
}

std::optional<uint64_t> Parse(std::string_view prefix, std::string_view file_name,
                              std::string_view suffix) {
  if (file_name.size() != prefix.size() + kDigits + suffix.size()) return std::nullopt;
  if (!file_name.starts_with(prefix) || !file_name.ends_with(suffix)) return std::nullopt;
  const std::string_view digits = file_name.substr(prefix.size(), kDigits);
  uint64_t value = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
  return value;
}
}  // namespace

std::string WalSegmentName(uint64_t first_sequence) { return Name("wal-", first_sequence, ".log"); }

std::optional<uint64_t> ParseWalSegmentName(std::string_view file_name) {
  return Parse("wal-", file_name, ".log");
}

std::string WalSnapshotName(uint64_t sequence) { return Name("snapshot-", sequence, ".dat"); }

std::optional<uint64_t> ParseWalSnapshotName(std::string_view file_name) {
  return Parse("snapshot-", file_name, ".dat");
}

}  // namespace roadsense::queue
