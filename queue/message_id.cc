#include "queue/message_id.h"

#include <random>

namespace roadsense::queue {
namespace {

uint64_t LoadBigEndian64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

void StoreBigEndian64(char* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<char>(v >> (56 - 8 * i));
}

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
  // By hand rather than snprintf: every request id and every message in an answer is one.
  static constexpr char kHex[] = "0123456789abcdef";
  FixedText<36> text;
  std::array<char, 36>& out = text.chars;
  out.fill('-');
  size_t pos = 0;
  auto put = [&](uint64_t v, int nibbles) {
    for (int shift = 4 * (nibbles - 1); shift >= 0; shift -= 4)
      out[pos++] = kHex[(v >> shift) & 15];
  };
  put(high >> 32, 8);
  ++pos;
  put((high >> 16) & 0xffff, 4);
  ++pos;
  put(high & 0xffff, 4);
  ++pos;
  put(low >> 48, 4);
  ++pos;
  put(low & 0xffffffffffffull, 12);
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
