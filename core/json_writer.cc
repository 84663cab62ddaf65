#include "core/json_writer.h"

#include <charconv>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace roadsense {
namespace {

// What each byte becomes inside a JSON string: 0 copied as is, 'u' as \u00XX, else \<char>.
constexpr char EscapeOf(unsigned char c) {
  switch (c) {
    case '"':
      return '"';
    case '\\':
      return '\\';
    case '\b':
      return 'b';
    case '\f':
      return 'f';
    case '\n':
      return 'n';
    case '\r':
      return 'r';
    case '\t':
      return 't';
    default:
      return c < 0x20 ? 'u' : 0;
  }
}

struct EscapeTable {
  char escape[256];
  constexpr EscapeTable() : escape() {
    for (int c = 0; c < 256; ++c) escape[c] = EscapeOf(static_cast<unsigned char>(c));
  }
};
constexpr EscapeTable kEscapes;

constexpr uint64_t kOnes = 0x0101010101010101ull;
constexpr uint64_t kHighBits = 0x8080808080808080ull;

// Whether any of the 8 bytes at `p` is a control character, '"' or '\\' ("Bit Twiddling
// Hacks": hasless(x, n) and haszero(x ^ c) are exact about whether some byte matches).
bool AnyNeedsEscape(const char* p) {
  uint64_t x;
  std::memcpy(&x, p, sizeof(x));
  const uint64_t control = (x - kOnes * 0x20) & ~x;
  const uint64_t quote = x ^ (kOnes * '"');
  const uint64_t backslash = x ^ (kOnes * '\\');
  return ((control | ((quote - kOnes) & ~quote) | ((backslash - kOnes) & ~backslash)) &
          kHighBits) != 0;
}

// The first index at or after `i` whose byte may need escaping (or text.size()): sixteen bytes
// at a time with SSE2 (part of every x86-64), then eight at a time. SQS bodies are mostly plain
// text, so this scan is nearly all the work of writing one.
size_t SkipPlainBytes(std::string_view text, size_t i) {
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  const __m128i last_control = _mm_set1_epi8(0x1f);
  for (; i + 16 <= text.size(); i += 16) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(text.data() + i));
    // x <= 0x1f (unsigned) exactly when max(x, 0x1f) == 0x1f.
    const __m128i control = _mm_cmpeq_epi8(_mm_max_epu8(x, last_control), last_control);
    const __m128i special =
        _mm_or_si128(control, _mm_or_si128(_mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, backslash)));
    if (const int mask = _mm_movemask_epi8(special); mask != 0) {
      return i + static_cast<size_t>(__builtin_ctz(static_cast<unsigned>(mask)));
    }
  }
#endif
  while (i + 8 <= text.size() && !AnyNeedsEscape(text.data() + i)) i += 8;
  return i;
}

}  // namespace

void AppendJsonString(std::string* out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->reserve(out->size() + text.size() + 2);
  out->push_back('"');
  size_t run_start = 0;  // bytes [run_start, i) need no escaping and are copied in one append
  for (size_t i = 0; i < text.size(); ++i) {
    i = SkipPlainBytes(text, i);
    if (i == text.size()) break;
    const char escape = kEscapes.escape[static_cast<unsigned char>(text[i])];
    if (escape == 0) continue;
    out->append(text.data() + run_start, i - run_start);
    run_start = i + 1;
    if (escape == 'u') {
      const auto c = static_cast<unsigned char>(text[i]);
      const char code[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
      out->append(code, sizeof(code));
    } else {
      const char code[2] = {'\\', escape};
      out->append(code, sizeof(code));
    }
  }
  out->append(text.data() + run_start, text.size() - run_start);
  out->push_back('"');
}

void JsonWriter::Separate() {
  if (need_comma_) out_->push_back(',');
  need_comma_ = true;
}

JsonWriter& JsonWriter::BeginObject() {
  Separate();
  out_->push_back('{');
  need_comma_ = false;
  return *this;
}

JsonWriter& JsonWriter::EndObject() {
  out_->push_back('}');
  need_comma_ = true;
  return *this;
}

JsonWriter& JsonWriter::BeginArray() {
  Separate();
  out_->push_back('[');
  need_comma_ = false;
  return *this;
}

JsonWriter& JsonWriter::EndArray() {
  out_->push_back(']');
  need_comma_ = true;
  return *this;
}

JsonWriter& JsonWriter::Key(std::string_view name) {
  Separate();
  AppendJsonString(out_, name);
  out_->push_back(':');
  need_comma_ = false;  // the value follows the colon directly
  return *this;
}

JsonWriter& JsonWriter::String(std::string_view value) {
  Separate();
  AppendJsonString(out_, value);
  return *this;
}

JsonWriter& JsonWriter::Int(int64_t value) {
  Separate();
  char digits[24];
  const auto result = std::to_chars(digits, digits + sizeof(digits), value);
  out_->append(digits, result.ptr);
  return *this;
}

JsonWriter& JsonWriter::Bool(bool value) {
  Separate();
  out_->append(value ? "true" : "false");
  return *this;
}

}  // namespace roadsense
