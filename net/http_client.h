// HttpClient: a blocking HTTP/1.1 client over one keep-alive connection (plain TCP).
//
// RoundTrip() connects on first use, reconnects after errors or when the server closed the
// connection, and enforces a deadline on the whole exchange. One request at a time: the class is
// not thread-safe; give each thread its own client (they are cheap).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "core/status.h"
#include "net/http_message.h"

namespace roadsense::net {

// http://host[:port]/path — the parts roadsense needs from a URL.
struct HttpUrl {
  std::string scheme;  // "http" or "https"
  std::string host;
  uint16_t port = 80;
  std::string path;  // begins with '/', never empty

  std::string Origin() const;  // "http://host:port"
  // The Host header value ("host" or "host:port" when the port is not the scheme's default).
  std::string HostHeader() const;
};
Result<HttpUrl> ParseHttpUrl(std::string_view url);

class HttpClient {
 public:
  HttpClient(std::string host, uint16_t port);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends `request` (Host, Content-Length and keep-alive are filled in when absent) and reads the
  // response. Errors: kUnavailable (connect/reset), kDeadlineExceeded (timeout). A response with
  // any status code, including 4xx/5xx, is a successful round trip.
  Result<HttpResponse> RoundTrip(const HttpRequest& request, std::chrono::milliseconds timeout);

  // Drops the connection; the next RoundTrip reconnects.
  void Close();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace roadsense::net
