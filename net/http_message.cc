#include "net/http_message.h"

#include <boost/beast/core/string.hpp>

namespace roadsense::net {

bool SameHeaderName(std::string_view a, std::string_view b) { return boost::beast::iequals(a, b); }

std::string_view TrimFieldValue(std::string_view value) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  return value;
}

std::string_view FindHeader(const HttpHeaders& headers, std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (boost::beast::iequals(key, name)) return value;
  }
  return {};
}

std::string_view HttpRequest::Path() const {
  std::string_view t = target;
  return t.substr(0, t.find('?'));
}

std::string_view HttpRequest::Query() const {
  const size_t q = target.find('?');
  return q == std::string::npos ? std::string_view() : std::string_view(target).substr(q + 1);
}

void HttpResponse::SetHeader(std::string name, std::string value) {
  for (auto& [key, v] : headers) {
    if (boost::beast::iequals(key, name)) {
      v = std::move(value);
      return;
    }
  }
  headers.emplace_back(std::move(name), std::move(value));
}

HttpResponse HttpResponse::Json(int status, std::string body) {
  HttpResponse r{status, {{"Content-Type", "application/json"}}, std::move(body)};
  return r;
}

HttpResponse HttpResponse::Text(int status, std::string body) {
  HttpResponse r{status, {{"Content-Type", "text/plain; charset=utf-8"}}, std::move(body)};
  return r;
}

}  // namespace roadsense::net
