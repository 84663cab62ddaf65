#include "core/utc_time.h"

#include <charconv>
#include <ctime>

namespace roadsense {

std::optional<std::chrono::system_clock::time_point> ToTimePoint(const UtcCalendarTime& t) {
  if (t.month < 1 || t.month > 12 || t.day < 1 || t.day > 31 || t.hour < 0 || t.hour > 23 ||
      t.minute < 0 || t.minute > 59 || t.second < 0 || t.second > 60) {
    return std::nullopt;
  }
  std::tm tm{};
  tm.tm_year = t.year - 1900;
  tm.tm_mon = t.month - 1;
  tm.tm_mday = t.day;
  tm.tm_hour = t.hour;
  tm.tm_min = t.minute;
  tm.tm_sec = t.second;
  const std::time_t epoch_seconds = timegm(&tm);
  // system_clock counts 64-bit nanoseconds here (years 1678..2262): a later or earlier year, which
  // any wire timestamp may claim ("40520202T000000Z"), must not overflow the conversion (UB).
  using std::chrono::seconds;
  using std::chrono::system_clock;
  constexpr auto kMin =
      std::chrono::ceil<seconds>(system_clock::time_point::min()).time_since_epoch();
  constexpr auto kMax =
      std::chrono::floor<seconds>(system_clock::time_point::max()).time_since_epoch();
  if (epoch_seconds < kMin.count() || epoch_seconds > kMax.count()) return std::nullopt;
  return system_clock::from_time_t(epoch_seconds);
}

bool ParseFixedDigits(std::string_view text, size_t pos, size_t length, int* out) {
  if (pos > text.size() || length > text.size() - pos) return false;
  const char* first = text.data() + pos;
  const auto [end, ec] = std::from_chars(first, first + length, *out);
  // from_chars accepts a leading '-'; fixed-width fields are digits only.
  return ec == std::errc() && end == first + length && *first != '-';
}

}  // namespace roadsense
