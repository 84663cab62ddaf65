// MessageId: the 128-bit identity of a message, printed as a UUID ("8c7f…-…"). Strong type so
// that ids, sequence numbers and receive counts cannot be mixed up.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/fixed_text.h"

namespace roadsense::queue {

struct MessageId {
  uint64_t high = 0;
  uint64_t low = 0;

  // A random version-4 UUID. Thread-safe (per-thread generator).
  static MessageId Random();
  // Parses the canonical 36-character UUID form.
  static std::optional<MessageId> Parse(std::string_view text);
  std::string ToString() const;
  // ToString()'s characters without an allocation (ids in responses, request ids).
  FixedText<36> ToText() const;

  // 16 raw bytes, big-endian (the WAL and receipt handle encoding).
  void AppendBytes(std::string* out) const;
  void ToBytes(char* bytes16) const;
  static MessageId FromBytes(const char* bytes16);

  friend bool operator==(const MessageId&, const MessageId&) = default;
};

struct MessageIdHash {
  size_t operator()(const MessageId& id) const {
    return std::hash<uint64_t>()(id.high ^ (id.low * 0x9e3779b97f4a7c15ull));
  }
};

}  // namespace roadsense::queue
