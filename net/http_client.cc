#include "net/http_client.h"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <spdlog/spdlog.h>

#include <array>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cctype>
#include <cstdlib>
#include <limits>
#include <map>
#include <mutex>
#include <optional>

#include "core/recycled_strings.h"
#include "net/deadline_socket.h"
#include "net/http_request_head.h"
#include "net/http_server.h"  // ParseHostPort

namespace roadsense::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

constexpr size_t kReadRoom = 64 << 10;  // buffer room for reading a response
constexpr size_t kMinRead = 4096;       // the least room offered to one read

uint16_t DefaultPort(std::string_view scheme) { return scheme == "https" ? 443 : 80; }

std::string BracketedHost(const std::string& host) {
  return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

Status DeadlineExceeded(std::string message) {
  return Status(StatusCode::kDeadlineExceeded, std::move(message));
}

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

// The client TLS context for one trust configuration: `ca_file`, or (empty) OpenSSL's default
// verify paths as SSL_CERT_FILE / SSL_CERT_DIR name them right now. Loading a trust store parses
// every certificate in it, so contexts are built once per configuration and shared by all
// clients of the process (SSL_CTX is thread-safe for creating connections).
Result<std::shared_ptr<ssl::context>> ClientTlsContext(const std::string& ca_file) {
  const std::string key = ca_file.empty()
                              ? "default\n" + Env("SSL_CERT_FILE") + "\n" + Env("SSL_CERT_DIR")
                              : "file\n" + ca_file;
  static std::mutex mu;
  static std::map<std::string, std::shared_ptr<ssl::context>> contexts;
  std::lock_guard lock(mu);
  if (auto it = contexts.find(key); it != contexts.end()) return it->second;

  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
  beast::error_code ec;
  if (ca_file.empty()) {
    ctx->set_default_verify_paths(ec);
  } else {
    ctx->load_verify_file(ca_file, ec);
  }
  if (ec) {
    return Unavailable("cannot load the TLS trust store" +
                       (ca_file.empty() ? std::string() : " " + ca_file) + ": " + ec.message());
  }
  ctx->set_verify_mode(ssl::verify_peer);
  contexts.emplace(key, ctx);
  return ctx;
}

// Parses one response straight into an HttpResponse: Beast's parser for the syntax (status line,
// fields, Content-Length / chunked / until-close framing, keep-alive), without first building a
// Beast message (one allocation per field) and copying it out.
class ResponseReader : public http::basic_parser<false> {
 public:
  explicit ResponseReader(HttpResponse* response) : response_(response) {
    body_limit(std::numeric_limits<std::uint64_t>::max());
  }

 private:
  // A body is reserved for up to this many bytes from Content-Length; a larger one grows as it
  // arrives (a hostile length must not allocate before its bytes exist).
  static constexpr std::uint64_t kMaxReserve = 16 << 20;

  void on_request_impl(http::verb, beast::string_view, beast::string_view, int,
                       beast::error_code&) override {}
  void on_response_impl(int code, beast::string_view, int, beast::error_code&) override {
    response_->status = code;
    // Room for a typical response's fields (an SQS one has 3-5) instead of regrowing from 1.
    response_->headers.reserve(8);
  }
  void on_field_impl(http::field, beast::string_view name, beast::string_view value,
                     beast::error_code&) override {
    response_->headers.emplace_back(std::string(name), std::string(TrimFieldValue(value)));
  }
  void on_header_impl(beast::error_code&) override {}
  void on_body_init_impl(const boost::optional<std::uint64_t>& length,
                         beast::error_code&) override {
    if (length) response_->body.reserve(static_cast<size_t>(std::min(*length, kMaxReserve)));
  }
  size_t on_body_impl(beast::string_view body, beast::error_code&) override {
    response_->body.append(body.data(), body.size());
    return body.size();
  }
  void on_chunk_header_impl(std::uint64_t, beast::string_view, beast::error_code&) override {}
  size_t on_chunk_body_impl(std::uint64_t, beast::string_view body,
                            beast::error_code& ec) override {
    return on_body_impl(body, ec);
  }
  void on_finish_impl(beast::error_code&) override {}

  HttpResponse* response_;
};

bool IsIpAddress(const std::string& host) {
  beast::error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

}  // namespace

std::string HttpUrl::Origin() const {
  return scheme + "://" + BracketedHost(host) + ":" + std::to_string(port);
}

std::string HttpUrl::HostHeader() const {
  if (port == DefaultPort(scheme)) return BracketedHost(host);
  return BracketedHost(host) + ":" + std::to_string(port);
}

Result<HttpUrl> ParseHttpUrl(std::string_view url) {
  const size_t sep = url.find("://");
  if (sep == std::string_view::npos) {
    return InvalidArgument("URL without scheme: '" + std::string(url) + "'");
  }
  HttpUrl out;
  for (char c : url.substr(0, sep)) out.scheme += static_cast<char>(std::tolower(c));
  if (out.scheme != "http" && out.scheme != "https") {
    return InvalidArgument("unsupported URL scheme '" + out.scheme + "'");
  }
  std::string_view rest = url.substr(sep + 3);
  rest = rest.substr(0, rest.find('#'));
  const size_t path_start = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, path_start);
  if (authority.find('@') != std::string_view::npos) {
    return InvalidArgument("URLs with user info are not supported: '" + std::string(url) + "'");
  }
  // Append the scheme's default port when the authority has none, then reuse ParseHostPort.
  std::string host_port(authority);
  const bool has_port = authority.empty()          ? false
                        : authority.front() == '[' ? authority.find("]:") != std::string_view::npos
                                                   : authority.find(':') != std::string_view::npos;
  if (!has_port) host_port += ":" + std::to_string(DefaultPort(out.scheme));
  auto parsed = ParseHostPort(host_port);
  if (!parsed.ok()) {
    return InvalidArgument("bad URL '" + std::string(url) + "': " + parsed.status().message());
  }
  out.host = parsed->first;
  out.port = parsed->second;
  out.path = path_start == std::string_view::npos ? "/" : std::string(rest.substr(path_start));
  if (out.path.front() == '?') out.path.insert(out.path.begin(), '/');
  return out;
}

struct HttpClient::Impl {
  Impl(std::string h, uint16_t p, std::string s)
      : host(std::move(h)),
        port(p),
        scheme(std::move(s)),
        host_header(port == DefaultPort(scheme) ? BracketedHost(host) : Authority()) {}

  // Runs the io_context until the operation started by `start` completes or `deadline` passes.
  // On timeout the socket (and resolver) are closed, which completes the operation with an
  // error; nullopt is returned in that case.
  template <typename StartOp>
  std::optional<beast::error_code> RunUntil(Clock::time_point deadline, StartOp&& start) {
    std::optional<beast::error_code> result;
    start([&result](beast::error_code ec, auto&&...) { result = ec; });
    ioc.restart();
    ioc.run_until(deadline);
    if (result) return result;
    resolver.cancel();
    beast::error_code ignored;
    Socket().close(ignored);
    ioc.restart();
    ioc.run();  // lets the aborted operation complete
    return std::nullopt;
  }

  // The TCP socket (under the TLS stream when there is one).
  tcp::socket& Socket() { return tls ? tls->next_layer() : socket; }

  Status Connect(Clock::time_point deadline) {
    if (!tls_context_status.ok()) return tls_context_status;
    tcp::resolver::results_type endpoints;
    auto ec = RunUntil(deadline, [&](auto handler) {
      resolver.async_resolve(host, std::to_string(port),
                             [&, handler](beast::error_code e, tcp::resolver::results_type r) {
                               endpoints = std::move(r);
                               handler(e);
                             });
    });
    if (!ec) return DeadlineExceeded("resolving " + host + " timed out");
    if (*ec) return Unavailable("cannot resolve " + host + ": " + ec->message());
    if (tls_context) RS_RETURN_IF_ERROR(NewTlsStream());
    ec = RunUntil(deadline, [&](auto handler) {
      asio::async_connect(Socket(), endpoints,
                          [handler](beast::error_code e, const tcp::endpoint&) { handler(e); });
    });
    if (!ec) return Fail(DeadlineExceeded("connecting to " + Authority() + " timed out"));
    if (*ec) return Fail(Unavailable("cannot connect to " + Authority() + ": " + ec->message()));
    beast::error_code ignored;
    Socket().set_option(tcp::no_delay(true), ignored);
    if (!tls) {
      auto io = DeadlineSocket::Adopt(Socket().native_handle());
      if (!io.ok()) return Fail(Unavailable(Authority() + ": " + io.status().message()));
      plain.emplace(std::move(io).value());
    } else {
      ec = RunUntil(deadline,
                    [&](auto handler) { tls->async_handshake(ssl::stream_base::client, handler); });
      if (!ec) return Fail(DeadlineExceeded("TLS handshake with " + Authority() + " timed out"));
      if (*ec) return Fail(Unavailable(HandshakeError(*ec)));
    }
    connected = true;
    return Status::Ok();
  }

  // A fresh TLS stream (an SSL object cannot be reused across connections) that sends the host
  // name as SNI and accepts only a certificate valid for it.
  Status NewTlsStream() {
    tls.emplace(ioc, *tls_context);
    SSL* ssl = tls->native_handle();
    const bool ip = IsIpAddress(host);
    // SNI carries DNS names only (RFC 6066); certificates name IP addresses in their SAN.
    if (!ip && SSL_set_tlsext_host_name(ssl, host.c_str()) != 1) {
      return Fail(Unavailable("TLS: cannot set SNI " + host));
    }
    const int set = ip ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host.c_str())
                       : SSL_set1_host(ssl, host.c_str());
    if (set != 1) return Fail(Unavailable("TLS: cannot verify against host " + host));
    return Status::Ok();
  }

  std::string HandshakeError(const beast::error_code& ec) {
    std::string text = "TLS handshake with " + Authority() + " failed: " + ec.message();
    const long verify = SSL_get_verify_result(tls->native_handle());
    if (verify != X509_V_OK) {
      text += std::string(" (certificate: ") + X509_verify_cert_error_string(verify) + ")";
    }
    return text;
  }

  // One attempt on the current connection. `*retryable` is set when the failure happened before
  // any byte of the response arrived on a connection that was reused (the server had closed it).
  Result<HttpResponse> Attempt(const HttpRequest& request, Clock::time_point deadline,
                               bool* retryable) {
    *retryable = false;
    const bool reused = connected;
    if (!connected) RS_RETURN_IF_ERROR(Connect(deadline));

    if (Status written = plain ? WritePlain(request, deadline) : WriteTls(request, deadline);
        !written.ok()) {
      if (written.code() == StatusCode::kDeadlineExceeded) {
        return Fail(DeadlineExceeded("request to " + Authority() + " timed out"));
      }
      *retryable = reused;
      return Fail(Unavailable("writing to " + Authority() + " failed: " + written.message()));
    }

    HttpResponse response;
    response.body = TakeRecycledString();  // a caller that recycles bodies spares their mallocs
    ResponseReader parser(&response);
    // A whole response is normally read with one read(2): the buffer keeps room for 64 KiB (a
    // small one took a 10 KiB body in ~9 system calls). Kept for the connection's life.
    buffer.reserve(kReadRoom);
    if (request.method == "HEAD") parser.skip(true);
    if (Status read = plain ? ReadPlain(parser, deadline) : ReadTls(parser, deadline); !read.ok()) {
      if (read.code() == StatusCode::kDeadlineExceeded) {
        return Fail(DeadlineExceeded("response from " + Authority() + " timed out"));
      }
      *retryable = reused && !parser.got_some();
      return Fail(Unavailable("reading from " + Authority() + " failed: " + read.message()));
    }

    if (!parser.keep_alive()) Close();
    return response;
  }

  // Plain TCP: head and body (sent from the caller's buffer, ~11 KiB for a SendMessageBatch) go
  // out together in one sendmsg(2) normally.
  Status WritePlain(const HttpRequest& request, Clock::time_point deadline) {
    std::array<iovec, 2> parts = {
        iovec{head.data(), head.size()},
        iovec{const_cast<char*>(request.body.data()), request.body.size()}};
    return plain->SendAll(parts, deadline);
  }

  // Plain TCP: one response into `parser`, with blocking reads (see DeadlineSocket) fed to it as
  // they arrive, as http::read would but without the event loop's extra system calls.
  Status ReadPlain(ResponseReader& parser, Clock::time_point deadline) {
    parser.eager(true);  // the body is parsed by the same put() as the header
    for (;;) {
      if (buffer.size() > 0) {
        beast::error_code ec;
        const size_t used = parser.put(buffer.data(), ec);
        buffer.consume(used);
        if (ec && ec != http::error::need_more) return Unavailable(ec.message());
        if (parser.is_done()) return Status::Ok();
        if (used > 0) continue;
      }
      const size_t room = std::max(buffer.capacity() - buffer.size(), kMinRead);
      const auto space = buffer.prepare(room);
      auto got = plain->ReceiveSome(space.data(), space.size(), deadline);
      if (!got.ok()) return got.status();
      if (*got == 0) {
        // The server closed: the end of a body framed by the connection, or an error.
        if (!parser.got_some())
          return Unavailable(beast::error_code(http::error::end_of_stream).message());
        beast::error_code ec;
        parser.put_eof(ec);
        if (ec) return Unavailable(ec.message());
        return Status::Ok();
      }
      buffer.commit(*got);
    }
  }

  // TLS: the stream is driven asynchronously under the io_context (RunUntil).
  Status WriteTls(const HttpRequest& request, Clock::time_point deadline) {
    const std::array<asio::const_buffer, 2> parts = {asio::buffer(head),
                                                     asio::buffer(request.body)};
    const auto ec = RunUntil(deadline, [&](auto handler) {
      asio::async_write(*tls, parts, [handler](beast::error_code e, size_t) { handler(e); });
    });
    if (!ec) return DeadlineExceeded("timed out");
    if (*ec) return Unavailable(ec->message());
    return Status::Ok();
  }

  Status ReadTls(ResponseReader& parser, Clock::time_point deadline) {
    const auto ec = RunUntil(deadline, [&](auto handler) {
      http::async_read(*tls, buffer, parser,
                       [handler](beast::error_code e, size_t) { handler(e); });
    });
    if (!ec) return DeadlineExceeded("timed out");
    if (*ec) return Unavailable(ec->message());
    return Status::Ok();
  }

  Status Fail(Status status) {
    Close();
    return status;
  }

  // Over TLS no close_notify is sent: waiting for the peer's would cost a round trip, and every
  // response read was framed by Content-Length or chunking, so nothing can be truncated unseen.
  void Close() {
    beast::error_code ignored;
    Socket().shutdown(tcp::socket::shutdown_both, ignored);
    Socket().close(ignored);
    tls.reset();
    plain.reset();
    buffer.clear();
    connected = false;
  }

  std::string Authority() const { return BracketedHost(host) + ":" + std::to_string(port); }

  std::string host;
  uint16_t port;
  std::string scheme;
  std::string host_header;                    // sent when the request has no Host header
  std::shared_ptr<ssl::context> tls_context;  // null: plain HTTP
  Status tls_context_status;                  // why tls_context could not be built
  asio::io_context ioc{1};
  tcp::resolver resolver{ioc};
  tcp::socket socket{ioc};  // plain HTTP
  // https: one per connection. beast::ssl_stream (not asio's) coalesces the header and body
  // buffers of a request into one TLS record instead of one record per buffer.
  std::optional<beast::ssl_stream<tcp::socket>> tls;
  std::optional<DeadlineSocket> plain;  // plain HTTP, while connected: blocking I/O on `socket`
  beast::flat_buffer buffer;
  std::string head;  // the request being sent: its line and headers (capacity kept)
  bool connected = false;
};

HttpClient::HttpClient(std::string host, uint16_t port)
    : impl_(std::make_unique<Impl>(std::move(host), port, "http")) {}

HttpClient::HttpClient(const HttpUrl& url, HttpClientOptions options)
    : impl_(std::make_unique<Impl>(url.host, url.port, url.scheme)) {
  if (url.scheme == "https") {
    auto ctx = ClientTlsContext(options.tls_ca_file);
    if (ctx.ok()) {
      impl_->tls_context = std::move(ctx).value();
    } else {
      impl_->tls_context_status = ctx.status();
    }
  }
}

HttpClient::~HttpClient() = default;

void HttpClient::Close() { impl_->Close(); }

Result<HttpResponse> HttpClient::RoundTrip(const HttpRequest& request,
                                           std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  RS_RETURN_IF_ERROR(WriteRequestHead(request, impl_->host_header, &impl_->head));

  bool retryable = false;
  auto result = impl_->Attempt(request, deadline, &retryable);
  if (!result.ok() && retryable && Clock::now() < deadline) {
    // A reused keep-alive connection the server had already closed: nothing was processed.
    spdlog::debug("http: stale connection to {}, reconnecting", impl_->Authority());
    result = impl_->Attempt(request, deadline, &retryable);
  }
  return result;
}

}  // namespace roadsense::net
