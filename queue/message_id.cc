#include "queue/message_id.h"

#include <array>
#include <bit>
#include <cstring>
#include <random>

namespace roadsense::queue {
namespace {

// One load or store and a byte swap (the WAL writes and reads an id per record).
uint64_t LoadBigEndian64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  if constexpr (std::endian::native == std::endian::little) v = __builtin_bswap64(v);
  return v;
}

void StoreBigEndian64(char* p, uint64_t v) {
  if constexpr (std::endian::native == std::endian::little) v = __builtin_bswap64(v);
  std::memcpy(p, &v, 8);
}

// The two lowercase hex digits of every byte value.
constexpr std::array<std::array<char, 2>, 256> kHexPairs = [] {
  constexpr char kHex[] = "0123456789abcdef";
  std::array<std::array<char, 2>, 256> pairs{};
  for (int b = 0; b < 256; ++b) pairs[b] = {kHex[b >> 4], kHex[b & 15]};
  return pairs;
}();

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

MessageId MessageId::Random() {
  thread_local std::mt19937_64 generator{std::random_device{}()};
  MessageId id{generator(), generator()};
  id.high = (id.high & ~0xf000ull) | 0x4000ull;                       // version 4
  id.low = (id.low & 0x3fffffffffffffffull) | 0x8000000000000000ull;  // RFC 4122 variant
  return id;
}

std::string MessageId::ToString() const { return ToText().str(); }

FixedText<36> MessageId::ToText() const {
  // By hand rather than snprintf, a byte (two digits) at a time: every request id and every
  // message in an answer is one.
  char bytes[16];
  ToBytes(bytes);
  FixedText<36> text;
  char* out = text.chars.data();
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) *out++ = '-';
    std::memcpy(out, kHexPairs[static_cast<uint8_t>(bytes[i])].data(), 2);
    out += 2;
  }
  return text;
}

std::optional<MessageId> MessageId::Parse(std::string_view text) {
  if (text.size() != 36) return std::nullopt;
  MessageId id;
  int nibbles = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (text[i] != '-') return std::nullopt;
      continue;
    }
    const int v = HexValue(text[i]);
    if (v < 0) return std::nullopt;
    uint64_t& half = nibbles < 16 ? id.high : id.low;
    half = (half << 4) | static_cast<uint64_t>(v);
    ++nibbles;
  }
  return id;
}

void MessageId::AppendBytes(std::string* out) const {
  char bytes[16];
  ToBytes(bytes);
  out->append(bytes, sizeof(bytes));
}

void MessageId::ToBytes(char* bytes16) const {
  StoreBigEndian64(bytes16, high);
  StoreBigEndian64(bytes16 + 8, low);
}

MessageId MessageId::FromBytes(const char* bytes16) {
  return MessageId{LoadBigEndian64(bytes16), LoadBigEndian64(bytes16 + 8)};
}

}  // namespace roadsense::queue
