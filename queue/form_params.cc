#include "queue/form_params.h"

namespace roadsense::queue {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Status Decode(std::string_view in, std::string* out) {
  out->clear();
  out->reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '+') {
      out->push_back(' ');
    } else if (c == '%') {
      const int hi = i + 2 < in.size() ? HexValue(in[i + 1]) : -1;
      const int lo = i + 2 < in.size() ? HexValue(in[i + 2]) : -1;
      if (hi < 0 || lo < 0) return InvalidArgument("malformed percent-escape in form data");
      out->push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out->push_back(c);
    }
  }
  return Status::Ok();
}

}  // namespace

Status ParseFormParams(std::string_view text, FormParams* out) {
  while (!text.empty()) {
    const size_t amp = text.find('&');
    const std::string_view pair = text.substr(0, amp);
    text = amp == std::string_view::npos ? std::string_view() : text.substr(amp + 1);
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    std::string name, value;
    RS_RETURN_IF_ERROR(Decode(pair.substr(0, eq), &name));
    if (eq != std::string_view::npos) RS_RETURN_IF_ERROR(Decode(pair.substr(eq + 1), &value));
    out->emplace_back(std::move(name), std::move(value));
  }
  return Status::Ok();
}

const std::string* FindFormParam(const FormParams& params, std::string_view name) {
  for (const auto& [n, v] : params) {
    if (n == name) return &v;
  }
  return nullptr;
}

}  // namespace roadsense::queue
