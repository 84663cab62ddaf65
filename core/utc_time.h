// UTC calendar fields → time points, for the fixed-width timestamps of wire formats (SigV4's
// "20150830T123600Z", IAM's "2026-11-25T17:00:00Z"). Pure functions; thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string_view>

namespace roadsense {

struct UtcCalendarTime {
  int year = 1970;
  int month = 1;  // 1..12
  int day = 1;    // 1..31
  int hour = 0;   // 0..23
  int minute = 0;
  int second = 0;  // 0..60 (a leap second is accepted)
};

// The instant `t` names; nullopt when a field is out of range.
std::optional<std::chrono::system_clock::time_point> ToTimePoint(const UtcCalendarTime& t);

// Reads exactly `length` decimal digits of `text` starting at `pos` into *out; false when any is
// missing or not a digit.
bool ParseFixedDigits(std::string_view text, size_t pos, size_t length, int* out);

}  // namespace roadsense
