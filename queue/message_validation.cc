#include "queue/message_validation.h"

#include <cstdint>
#include <cstring>
#include <string>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "queue/sqs_error.h"

namespace roadsense::queue {
namespace {

bool AllowedCodePoint(uint32_t c) {
  return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) ||
         (c >= 0xE000 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0x10FFFF);
}

// Decodes one UTF-8 sequence at body[*i]; false on malformed, overlong or surrogate encodings.
bool NextCodePoint(std::string_view s, size_t* i, uint32_t* out) {
  const auto b0 = static_cast<uint8_t>(s[*i]);
  int extra = 0;
  uint32_t c = 0;
  uint32_t min = 0;
  if (b0 < 0x80) {
    c = b0;
  } else if ((b0 & 0xE0) == 0xC0) {
    extra = 1, c = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    extra = 2, c = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    extra = 3, c = b0 & 0x07, min = 0x10000;
  } else {
    return false;
  }
  if (*i + extra >= s.size()) return false;  // sequence runs past the end
  for (int k = 1; k <= extra; ++k) {
    const auto b = static_cast<uint8_t>(s[*i + k]);
    if ((b & 0xC0) != 0x80) return false;
    c = (c << 6) | (b & 0x3F);
  }
  if (extra > 0 && c < min) return false;
  if (c >= 0xD800 && c <= 0xDFFF) return false;
  *i += extra + 1;
  *out = c;
  return true;
}

bool ValidAttributeName(std::string_view name) {
  if (name.empty() || name.size() > 256) return false;
  if (name.starts_with("AWS.") || name.starts_with("Amazon.") || name.starts_with("aws.") ||
      name.starts_with("amazon.")) {
    return false;
  }
  if (name.front() == '.' || name.back() == '.' || name.find("..") != std::string_view::npos) {
    return false;
  }
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

Status InvalidAttribute(const std::string& name, const std::string& why) {
  return SqsError(SqsErrorCode::kInvalidParameterValue,
                  "Message attribute '" + name + "' is invalid: " + why);
}

}  // namespace

std::string ReplaceInvalidCharacters(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    const size_t start = i;
    uint32_t c = 0;
    if (NextCodePoint(text, &i, &c) && AllowedCodePoint(c)) {
      out.append(text.substr(start, i - start));
    } else {
      out.append("\xEF\xBF\xBD");  // U+FFFD REPLACEMENT CHARACTER
      if (i == start) ++i;         // malformed: skip one byte and resynchronize
    }
  }
  return out;
}

Status ValidateMessageBody(std::string_view body) {
  if (body.empty()) {
    return SqsError(SqsErrorCode::kMissingParameter,
                    "The request must contain the parameter MessageBody.");
  }
  size_t i = 0;
  uint32_t c = 0;
  while (i < body.size()) {
    // Fast paths (the profile's top queue-owned cost): printable ASCII bytes — no high bit set
    // and no byte below 0x20 — 32 at a time, then 8 at a time. Where one fails, the bytes are
    // taken one code point at a time from there, so an error names the same byte.
#if defined(__SSE2__)
    if (i + 32 <= body.size()) {
      // As signed bytes, exactly those below 0x20 and those with the high bit set are < 0x20.
      const __m128i space = _mm_set1_epi8(0x20);
      const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(body.data() + i));
      const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(body.data() + i + 16));
      const __m128i low = _mm_or_si128(_mm_cmplt_epi8(a, space), _mm_cmplt_epi8(b, space));
      if (_mm_movemask_epi8(low) == 0) {
        i += 32;
        continue;
      }
    }
#endif
    if (i + 8 <= body.size()) {
      uint64_t w;
      std::memcpy(&w, body.data() + i, 8);
      constexpr uint64_t kHigh = 0x8080808080808080ull;
      if ((w & kHigh) == 0 && ((w - 0x2020202020202020ull) & kHigh) == 0) {
        i += 8;
        continue;
      }
    }
    if (!NextCodePoint(body, &i, &c) || !AllowedCodePoint(c)) {
      return SqsError(
          SqsErrorCode::kInvalidMessageContents,
          "Invalid binary character in message body at byte " + std::to_string(i) + ".");
    }
  }
  return Status::Ok();
}

Status ValidateMessageAttributes(const sqs::MessageAttributes& attributes) {
  if (attributes.size() > 10) {
    return SqsError(SqsErrorCode::kInvalidParameterValue,
                    "Number of message attributes [" + std::to_string(attributes.size()) +
                        "] exceeds the allowed maximum [10].");
  }
  for (const auto& [name, value] : attributes) {
    if (!ValidAttributeName(name)) return InvalidAttribute(name, "invalid name.");
    const std::string_view type = value.data_type;
    const std::string_view base = type.substr(0, type.find('.'));
    if (type.size() > 256 || (base != "String" && base != "Number" && base != "Binary")) {
      return InvalidAttribute(name, "DataType must be String, Number or Binary.");
    }
    const bool binary = base == "Binary";
    const bool has_value = binary ? value.binary_value.has_value() : value.string_value.has_value();
    if (!has_value) return InvalidAttribute(name, "it must have a value of its DataType.");
    if (!binary) {
      if (Status s = ValidateMessageBody(*value.string_value); !s.ok()) {
        return InvalidAttribute(name, "the value is empty or contains invalid characters.");
      }
    }
  }
  return Status::Ok();
}

size_t MessageSize(std::string_view body, const sqs::MessageAttributes& attributes) {
  size_t size = body.size();
  for (const auto& [name, value] : attributes) {
    size += name.size() + value.data_type.size();
    if (value.string_value) size += value.string_value->size();
    if (value.binary_value) size += value.binary_value->size();
    for (const auto& v : value.string_list_values) size += v.size();
    for (const auto& v : value.binary_list_values) size += v.size();
  }
  return size;
}

}  // namespace roadsense::queue
