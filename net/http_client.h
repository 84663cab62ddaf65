// HttpClient: a blocking HTTP/1.1 client over one keep-alive connection (plain TCP or TLS).
//
// RoundTrip() connects on first use, reconnects after errors or when the server closed the
// connection, and enforces a deadline on the whole exchange (TLS handshake included). One request
// at a time: the class is not thread-safe; give each thread its own client (they are cheap: TLS
// clients share one OpenSSL context per trust configuration).
//
// https: TLS 1.2+, SNI, the server's certificate verified against the trust store and its name
// (DNS name or IP address) checked against the URL's host. The default trust store is OpenSSL's
// default verify paths: the system store (/etc/ssl/certs), or whatever the standard environment
// variables SSL_CERT_FILE (a PEM bundle) / SSL_CERT_DIR name — set SSL_CERT_FILE to trust a
// private CA without code changes.
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

struct HttpClientOptions {
  // https only: PEM file of the certificates to trust instead of the default trust store (e.g. a
  // private CA, or a test's self-signed certificate). Empty: the default trust store.
  std::string tls_ca_file{};
};

class HttpClient {
 public:
  // Plain HTTP to host:port.
  HttpClient(std::string host, uint16_t port);
  // The origin of `url` (scheme, host and port; its path is ignored): "https" speaks TLS, "http"
  // plain HTTP. A trust file that cannot be loaded makes every RoundTrip fail (kUnavailable).
  explicit HttpClient(const HttpUrl& url, HttpClientOptions options = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends `request` (Host and Content-Length are filled in when absent; see WriteRequestHead) and
  // reads the response. Errors: kUnavailable (connect/reset, TLS handshake or certificate
  // verification failed — the message says why), kDeadlineExceeded (timeout), kInvalidArgument
  // (a method, target or header that cannot be sent: line breaks, NUL, oversized; nothing is
  // sent). A response with any status code, including 4xx/5xx, is a successful round trip.
  Result<HttpResponse> RoundTrip(const HttpRequest& request, std::chrono::milliseconds timeout);

  // Drops the connection; the next RoundTrip reconnects.
  void Close();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace roadsense::net
