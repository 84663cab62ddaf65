#include "net/http_client.h"

#include <spdlog/spdlog.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <limits>
#include <optional>

#include "net/http_server.h"  // ParseHostPort

namespace roadsense::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

uint16_t DefaultPort(std::string_view scheme) { return scheme == "https" ? 443 : 80; }

std::string BracketedHost(const std::string& host) {
  return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

Status DeadlineExceeded(std::string message) {
  return Status(StatusCode::kDeadlineExceeded, std::move(message));
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
  Impl(std::string h, uint16_t p) : host(std::move(h)), port(p) {}

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
    socket.close(ignored);
    ioc.restart();
    ioc.run();  // lets the aborted operation complete
    return std::nullopt;
  }

  Status Connect(Clock::time_point deadline) {
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
    ec = RunUntil(deadline, [&](auto handler) {
      asio::async_connect(socket, endpoints,
                          [handler](beast::error_code e, const tcp::endpoint&) { handler(e); });
    });
    if (!ec) return DeadlineExceeded("connecting to " + Authority() + " timed out");
    if (*ec) {
      Close();
      return Unavailable("cannot connect to " + Authority() + ": " + ec->message());
    }
    beast::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    connected = true;
    return Status::Ok();
  }

  // One attempt on the current connection. `*retryable` is set when the failure happened before
  // any byte of the response arrived on a connection that was reused (the server had closed it).
  Result<HttpResponse> Attempt(http::request<http::string_body>& req, Clock::time_point deadline,
                               bool* retryable) {
    *retryable = false;
    const bool reused = connected;
    if (!connected) RS_RETURN_IF_ERROR(Connect(deadline));

    auto ec = RunUntil(deadline, [&](auto handler) {
      http::async_write(socket, req, [handler](beast::error_code e, size_t) { handler(e); });
    });
    if (!ec) return Fail(DeadlineExceeded("request to " + Authority() + " timed out"));
    if (*ec) {
      *retryable = reused;
      return Fail(Unavailable("writing to " + Authority() + " failed: " + ec->message()));
    }

    http::response_parser<http::string_body> parser;
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    if (req.method() == http::verb::head) parser.skip(true);
    ec = RunUntil(deadline, [&](auto handler) {
      http::async_read(socket, buffer, parser,
                       [handler](beast::error_code e, size_t) { handler(e); });
    });
    if (!ec) return Fail(DeadlineExceeded("response from " + Authority() + " timed out"));
    if (*ec) {
      *retryable = reused && !parser.got_some();
      return Fail(Unavailable("reading from " + Authority() + " failed: " + ec->message()));
    }

    auto& msg = parser.get();
    HttpResponse response;
    response.status = static_cast<int>(msg.result_int());
    for (const auto& field : msg) {
      response.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    response.body = std::move(msg.body());
    if (!msg.keep_alive()) Close();
    return response;
  }

  Status Fail(Status status) {
    Close();
    return status;
  }

  void Close() {
    beast::error_code ignored;
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
    buffer.clear();
    connected = false;
  }

  std::string Authority() const { return BracketedHost(host) + ":" + std::to_string(port); }

  std::string host;
  uint16_t port;
  asio::io_context ioc{1};
  tcp::resolver resolver{ioc};
  tcp::socket socket{ioc};
  beast::flat_buffer buffer;
  bool connected = false;
};

HttpClient::HttpClient(std::string host, uint16_t port)
    : impl_(std::make_unique<Impl>(std::move(host), port)) {}

HttpClient::~HttpClient() = default;

void HttpClient::Close() { impl_->Close(); }

Result<HttpResponse> HttpClient::RoundTrip(const HttpRequest& request,
                                           std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  http::request<http::string_body> req;
  req.method_string(request.method);
  req.target(request.target.empty() ? "/" : request.target);
  req.version(11);
  for (const auto& [name, value] : request.headers) req.insert(name, value);
  if (req.find(http::field::host) == req.end()) {
    const bool default_port = impl_->port == 80;
    req.set(http::field::host, default_port ? BracketedHost(impl_->host) : impl_->Authority());
  }
  req.body() = request.body;
  if (req.find(http::field::content_length) == req.end() &&
      (!request.body.empty() || request.method == "POST" || request.method == "PUT")) {
    req.content_length(request.body.size());
  }
  if (req.find(http::field::connection) == req.end()) req.keep_alive(true);

  bool retryable = false;
  auto result = impl_->Attempt(req, deadline, &retryable);
  if (!result.ok() && retryable && Clock::now() < deadline) {
    // A reused keep-alive connection the server had already closed: nothing was processed.
    spdlog::debug("http: stale connection to {}, reconnecting", impl_->Authority());
    result = impl_->Attempt(req, deadline, &retryable);
  }
  return result;
}

}  // namespace roadsense::net
