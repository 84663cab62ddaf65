// HttpRequest / HttpResponse: plain value types that cross the boundary between roadsense's HTTP
// transport (Boost.Beast, kept inside net/*.cc) and request handlers, so handlers and their tests
// never include Beast. Header names compare case-insensitively.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace roadsense::net {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

// Value of the first header called `name` (case-insensitive), or "" when absent.
std::string_view FindHeader(const HttpHeaders& headers, std::string_view name);
// Whether two header names are the same, compared ASCII case-insensitively.
bool SameHeaderName(std::string_view a, std::string_view b);
// `value` without leading and trailing spaces and tabs, as HTTP stores field values (and as
// Beast's fields do): what both HTTP heads we write and the responses we parse hold.
std::string_view TrimFieldValue(std::string_view value);

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // origin-form: path plus optional "?query"
  HttpHeaders headers;
  std::string body;
  std::string remote_address;  // "ip:port" of the peer (server side only)
  bool secure = false;         // arrived over TLS (server side only)

  std::string_view Header(std::string_view name) const { return FindHeader(headers, name); }
  std::string_view Path() const;   // target up to '?'
  std::string_view Query() const;  // after '?', or ""
};

struct HttpResponse {
  int status = 200;
  HttpHeaders headers;
  std::string body;

  std::string_view Header(std::string_view name) const { return FindHeader(headers, name); }
  // Replaces an existing header of the same name or appends a new one.
  void SetHeader(std::string name, std::string value);

  static HttpResponse Json(int status, std::string body);
  static HttpResponse Text(int status, std::string body);
};

}  // namespace roadsense::net
