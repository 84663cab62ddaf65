#include "core/base64.h"

#include <array>
#include <cstdint>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

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

// Decodes `quads` unpadded quads from `p` to `o` (3 bytes each); false if any character is
// outside the alphabet (then `o` holds garbage).
bool DecodeQuadsWithTable(const uint8_t* p, size_t quads, char* o) {
  int32_t invalid = 0;  // negative once any character was outside the alphabet
  for (size_t q = 0; q < quads; ++q, p += 4, o += 3) {
    const int32_t a = kDecode[p[0]], b = kDecode[p[1]], c = kDecode[p[2]], d = kDecode[p[3]];
    invalid |= a | b | c | d;
    const uint32_t v = (uint32_t(a) << 18) | (uint32_t(b) << 12) | (uint32_t(c) << 6) | uint32_t(d);
    o[0] = static_cast<char>(v >> 16);
    o[1] = static_cast<char>((v >> 8) & 0xff);
    o[2] = static_cast<char>(v & 0xff);
  }
  return invalid >= 0;
}

#if defined(__x86_64__)
// Decodes blocks of 32 characters (8 quads → 24 bytes) while a 32-byte store still fits in the
// `room` bytes at `o`; returns the quads done, and sets `valid` false if any character was
// outside the alphabet. Each byte is classified by its two nibbles: kLowClass[low] & kHighClass
// [high] is zero exactly for the 64 alphabet characters (the high classes are the rows 0x2_
// '+' '/', 0x3_ digits, 0x4_/0x6_ letters after '@' '`', 0x5_/0x7_ letters up to 'Z' 'z'; every
// low class names the rows where that column is not a base64 character). The value is then the
// character plus an offset chosen by its row ('/' shares its row with '+' but not its offset,
// so it is told apart by an equality test).
__attribute__((target("avx2"))) size_t DecodeBlocksAvx2(const uint8_t* p, size_t quads, char* o,
                                                        size_t room, bool& valid) {
  const __m256i low_class =
      _mm256_setr_epi8(0x15, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x13, 0x1A, 0x1B,
                       0x1B, 0x1B, 0x1A, 0x15, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11,
                       0x13, 0x1A, 0x1B, 0x1B, 0x1B, 0x1A);
  const __m256i high_class =
      _mm256_setr_epi8(0x10, 0x10, 0x01, 0x02, 0x04, 0x08, 0x04, 0x08, 0x10, 0x10, 0x10, 0x10, 0x10,
                       0x10, 0x10, 0x10, 0x10, 0x10, 0x01, 0x02, 0x04, 0x08, 0x04, 0x08, 0x10, 0x10,
                       0x10, 0x10, 0x10, 0x10, 0x10, 0x10);
  // By row: '+' + 19 = 62, '0' + 4 = 52, 'A' - 65 = 0, 'a' - 71 = 26; index 1 is '/' (row 2
  // plus the 0xff of the equality test): '/' + 16 = 63.
  const __m256i offset_by_row =
      _mm256_setr_epi8(0, 16, 19, 4, -65, -65, -71, -71, 0, 0, 0, 0, 0, 0, 0, 0, 0, 16, 19, 4, -65,
                       -65, -71, -71, 0, 0, 0, 0, 0, 0, 0, 0);
  // 0x2f is '/' and also masks a nibble for the shuffles: they ignore bit 5, which the 32-bit
  // shift below brings in from the next byte.
  const __m256i slash = _mm256_set1_epi8(0x2f);
  // Packing: (a << 6 | b, c << 6 | d) per 16 bits, then (ab << 12 | cd) per 32 bits, whose three
  // low bytes, most significant first, are the decoded bytes.
  const __m256i pair_weights = _mm256_set1_epi32(0x01400140);
  const __m256i quad_weights = _mm256_set1_epi32(0x00011000);
  const __m256i byte_order =
      _mm256_setr_epi8(2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1, 2, 1, 0, 6, 5, 4, 10,
                       9, 8, 14, 13, 12, -1, -1, -1, -1);
  const __m256i lane_order = _mm256_setr_epi32(0, 1, 2, 4, 5, 6, 7, 7);
  __m256i bad = _mm256_setzero_si256();
  size_t done = 0;
  for (; done + 8 <= quads && room >= 32; done += 8, p += 32, o += 24, room -= 24) {
    const __m256i text = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
    const __m256i high = _mm256_and_si256(_mm256_srli_epi32(text, 4), slash);
    const __m256i low = _mm256_and_si256(text, slash);
    bad = _mm256_or_si256(bad, _mm256_and_si256(_mm256_shuffle_epi8(low_class, low),
                                                _mm256_shuffle_epi8(high_class, high)));
    const __m256i row = _mm256_add_epi8(_mm256_cmpeq_epi8(text, slash), high);
    const __m256i values = _mm256_add_epi8(text, _mm256_shuffle_epi8(offset_by_row, row));
    const __m256i packed =
        _mm256_madd_epi16(_mm256_maddubs_epi16(values, pair_weights), quad_weights);
    const __m256i bytes =
        _mm256_permutevar8x32_epi32(_mm256_shuffle_epi8(packed, byte_order), lane_order);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(o), bytes);
  }
  if (!_mm256_testz_si256(bad, bad)) valid = false;
  return done;
}
#endif

Base64Kernel BestBase64Kernel() {
  static const Base64Kernel best =
      Base64KernelSupported(Base64Kernel::kAvx2) ? Base64Kernel::kAvx2 : Base64Kernel::kTable;
  return best;
}

}  // namespace

bool Base64KernelSupported(Base64Kernel kernel) {
  switch (kernel) {
    case Base64Kernel::kTable:
      return true;
    case Base64Kernel::kAvx2:
#if defined(__x86_64__)
      return __builtin_cpu_supports("avx2");
#else
      return false;
#endif
  }
  return false;
}

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
  std::string out;
  if (!Base64DecodeInto(text, &out)) return std::nullopt;
  return out;
}

bool Base64DecodeInto(std::string_view text, std::string* out) {
  if (text.size() % 4 != 0) {
    out->clear();
    return false;
  }
  // Sized once and written through a pointer (appending a byte at a time cost more than the
  // table lookups), and grown only: a buffer reused for every body is not allocated or
  // zero-filled again once it has seen the largest.
  const size_t room = DecodedSize(text);
  if (out->size() < room) out->resize(room);
  const std::optional<size_t> n = Base64DecodeTo(text, out->data(), room);
  out->resize(n.value_or(0));
  return n.has_value();
}

std::optional<size_t> Base64DecodeTo(std::string_view text, char* o, size_t capacity) {
  return Base64DecodeTo(text, o, capacity, BestBase64Kernel());
}

std::optional<size_t> Base64DecodeTo(std::string_view text, char* o, size_t capacity,
                                     Base64Kernel kernel) {
  if (text.size() % 4 != 0) return std::nullopt;
  const size_t size = DecodedSize(text);
  if (size > capacity) return std::nullopt;
  if (text.empty()) return size;
  // Padding only in the last quad: "x=" (one byte short) or "==" (two); a '=' anywhere else
  // decodes to -1 below and fails the whole input.
  const size_t pad = text.size() / 4 * 3 - size;
  const auto* p = reinterpret_cast<const uint8_t*>(text.data());
  size_t full_quads = text.size() / 4 - (pad > 0 ? 1 : 0);
  bool valid = true;
#if defined(__x86_64__)
  if (kernel == Base64Kernel::kAvx2) {
    const size_t done = DecodeBlocksAvx2(p, full_quads, o, size, valid);
    p += 4 * done;
    o += 3 * done;
    full_quads -= done;
  }
#else
  (void)kernel;
#endif
  valid = DecodeQuadsWithTable(p, full_quads, o) && valid;
  p += 4 * full_quads;
  o += 3 * full_quads;
  int32_t invalid = valid ? 0 : -1;
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
