#include "net/http_request_head.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <vector>

namespace roadsense::net {
namespace {

// Beast's per-field size limit (its offsets are 16-bit).
constexpr size_t kMaxFieldSize = 65533;

constexpr uint64_t kEachByte = 0x0101010101010101;  // a byte value times kEachByte: it in all 8

// Whether any byte of `word` is zero (the classic bit trick: no false positives for "any").
bool HasZeroByte(uint64_t word) { return ((word - kEachByte) & ~word & (kEachByte << 7)) != 0; }

// Whether `text` holds CR, LF or NUL. Eight bytes at a time: std::string_view::find_first_of with
// a set calls memchr on the set once per byte of `text`, which was a call per byte of every header
// value (an Authorization value is ~200 bytes) on each request.
bool BreaksFraming(std::string_view text) {
  size_t i = 0;
  for (; i + 8 <= text.size(); i += 8) {
    uint64_t word;
    std::memcpy(&word, text.data() + i, 8);
    if (HasZeroByte(word) || HasZeroByte(word ^ ('\r' * kEachByte)) ||
        HasZeroByte(word ^ ('\n' * kEachByte))) {
      return true;
    }
  }
  for (; i < text.size(); ++i) {
    if (text[i] == '\r' || text[i] == '\n' || text[i] == '\0') return true;
  }
  return false;
}

// Whether `text` holds any byte of `bytes` (a few): a loop, for the reason given above.
bool ContainsAnyOf(std::string_view text, std::string_view bytes) {
  for (char c : text) {
    for (char b : bytes) {
      if (c == b) return true;
    }
  }
  return false;
}

Status CheckField(std::string_view name, std::string_view value) {
  if (name.empty() || BreaksFraming(name) || ContainsAnyOf(name, ": \t")) {
    return InvalidArgument("bad HTTP header name '" + std::string(name) + "'");
  }
  if (BreaksFraming(value)) {
    return InvalidArgument("HTTP header " + std::string(name) + " has a line break or NUL");
  }
  if (name.size() > kMaxFieldSize || value.size() > kMaxFieldSize) {
    return InvalidArgument("HTTP header " + std::string(name) + " is over " +
                           std::to_string(kMaxFieldSize) + " bytes");
  }
  return Status::Ok();
}

}  // namespace

Status WriteRequestHead(const HttpRequest& request, std::string_view default_host,
                        std::string* out) {
  const std::string_view target =
      request.target.empty() ? std::string_view("/") : std::string_view(request.target);
  if (request.method.empty() || BreaksFraming(request.method) ||
      ContainsAnyOf(request.method, " \t")) {
    return InvalidArgument("bad HTTP method '" + request.method + "'");
  }
  if (BreaksFraming(target) || ContainsAnyOf(target, " \t")) {
    return InvalidArgument("bad HTTP request target '" + std::string(target) + "'");
  }
  // The order fields go out in: as given, except that a repeated name joins the group of its
  // earlier fields (after the last of them).
  constexpr size_t kInline = 16;
  std::array<size_t, kInline> inline_order;
  std::vector<size_t> spilled;
  const size_t count = request.headers.size();
  size_t* order = inline_order.data();
  if (count > kInline) {
    spilled.resize(count);
    order = spilled.data();
  }
  bool has_host = false;
  bool has_content_length = false;
  for (size_t i = 0; i < count; ++i) {
    const auto& [name, value] = request.headers[i];
    RS_RETURN_IF_ERROR(CheckField(name, value));
    has_host = has_host || SameHeaderName(name, "Host");
    has_content_length = has_content_length || SameHeaderName(name, "Content-Length");
    size_t at = i;  // position in `order`: the end, unless an earlier field has the same name
    for (size_t j = i; j-- > 0;) {
      if (SameHeaderName(request.headers[order[j]].first, name)) {
        at = j + 1;
        break;
      }
    }
    std::copy_backward(order + at, order + i, order + i + 1);
    order[at] = i;
  }
  if (!has_host) RS_RETURN_IF_ERROR(CheckField("Host", default_host));

  out->clear();
  out->append(request.method).append(" ").append(target).append(" HTTP/1.1\r\n");
  for (size_t i = 0; i < count; ++i) {
    const auto& [name, value] = request.headers[order[i]];
    out->append(name).append(": ").append(TrimFieldValue(value)).append("\r\n");
  }
  if (!has_host) out->append("Host: ").append(TrimFieldValue(default_host)).append("\r\n");
  if (!has_content_length &&
      (!request.body.empty() || request.method == "POST" || request.method == "PUT")) {
    char digits[24];
    const auto end = std::to_chars(digits, digits + sizeof(digits), request.body.size()).ptr;
    out->append("Content-Length: ").append(digits, end).append("\r\n");
  }
  out->append("\r\n");
  return Status::Ok();
}

}  // namespace roadsense::net
