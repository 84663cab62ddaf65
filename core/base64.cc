#include "core/base64.h"

#include <array>
#include <cstdint>

namespace roadsense {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::array<int8_t, 256> MakeDecodeTable() {
  std::array<int8_t, 256> t{};
  for (auto& v : t) v = -1;
  for (int i = 0; i < 64; ++i) t[static_cast<uint8_t>(kAlphabet[i])] = static_cast<int8_t>(i);
  return t;
}
constexpr auto kDecode = MakeDecodeTable();

// Bytes `text` decodes to if it is valid (its length a multiple of 4, checked by the caller).
size_t DecodedSize(std::string_view text) {
  if (text.empty()) return 0;
  return text.size() / 4 * 3 - (text.back() != '=' ? 0 : text[text.size() - 2] == '=' ? 2 : 1);
}

}  // namespace

std::string Base64Encode(std::string_view bytes) {
  std::string out(Base64EncodedSize(bytes.size()), '\0');
  Base64EncodeTo(bytes, out.data());
  return out;
}

void Base64EncodeTo(std::string_view bytes, char* o) {
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3, o += 4) {
    uint32_t v = (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8) | uint8_t(bytes[i + 2]);
    o[0] = kAlphabet[v >> 18];
    o[1] = kAlphabet[(v >> 12) & 63];
    o[2] = kAlphabet[(v >> 6) & 63];
    o[3] = kAlphabet[v & 63];
  }
  size_t rest = bytes.size() - i;
  if (rest > 0) {
    uint32_t v = uint8_t(bytes[i]) << 16;
    if (rest == 2) v |= uint8_t(bytes[i + 1]) << 8;
    o[0] = kAlphabet[v >> 18];
    o[1] = kAlphabet[(v >> 12) & 63];
    o[2] = rest == 2 ? kAlphabet[(v >> 6) & 63] : '=';
    o[3] = '=';
  }
}

std::optional<std::string> Base64Decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  // Sized once and written through a pointer: the worker decodes every queued batch here, and
  // appending a byte at a time cost more than the table lookups.
  std::string out(DecodedSize(text), '\0');
  if (!Base64DecodeTo(text, out.data(), out.size())) return std::nullopt;
  return out;
}

std::optional<size_t> Base64DecodeTo(std::string_view text, char* o, size_t capacity) {
  if (text.size() % 4 != 0) return std::nullopt;
  const size_t size = DecodedSize(text);
  if (size > capacity) return std::nullopt;
  if (text.empty()) return size;
  // Padding only in the last quad: "x=" (one byte short) or "==" (two); a '=' anywhere else
  // decodes to -1 below and fails the whole input.
  const size_t pad = text.size() / 4 * 3 - size;
  const auto* p = reinterpret_cast<const uint8_t*>(text.data());
  const size_t full_quads = text.size() / 4 - (pad > 0 ? 1 : 0);
  int32_t invalid = 0;  // negative once any character was outside the alphabet
  for (size_t q = 0; q < full_quads; ++q, p += 4, o += 3) {
    const int32_t a = kDecode[p[0]], b = kDecode[p[1]], c = kDecode[p[2]], d = kDecode[p[3]];
    invalid |= a | b | c | d;
    const uint32_t v = (uint32_t(a) << 18) | (uint32_t(b) << 12) | (uint32_t(c) << 6) | uint32_t(d);
    o[0] = static_cast<char>(v >> 16);
    o[1] = static_cast<char>((v >> 8) & 0xff);
    o[2] = static_cast<char>(v & 0xff);
  }
  if (pad > 0) {
    const int32_t a = kDecode[p[0]], b = kDecode[p[1]], c = pad == 2 ? 0 : kDecode[p[2]];
    invalid |= a | b | c;
    const uint32_t v = (uint32_t(a) << 18) | (uint32_t(b) << 12) | (uint32_t(c) << 6);
    o[0] = static_cast<char>(v >> 16);
    if (pad == 1) o[1] = static_cast<char>((v >> 8) & 0xff);
  }
  if (invalid < 0) return std::nullopt;
  return size;
}

}  // namespace roadsense
