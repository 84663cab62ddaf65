#include "net/http_request_head.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <vector>

namespace roadsense::net {
namespace {

// Beast's per-field size limit (its offsets are 16-bit).
constexpr size_t kMaxFieldSize = 65533;

bool BreaksFraming(std::string_view text) {
  return text.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

Status CheckField(std::string_view name, std::string_view value) {
  if (name.empty() || BreaksFraming(name) || name.find_first_of(": \t") != std::string_view::npos) {
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
      request.method.find_first_of(" \t") != std::string::npos) {
    return InvalidArgument("bad HTTP method '" + request.method + "'");
  }
  if (BreaksFraming(target) || target.find_first_of(" \t") != std::string_view::npos) {
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
