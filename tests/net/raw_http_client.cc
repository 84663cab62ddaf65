#include "tests/net/raw_http_client.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>

namespace roadsense::testing {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

struct RawHttpClient::Impl {
  explicit Impl(bool use_tls) : tls(use_tls), ssl_ctx(ssl::context::tls_client) {
    ssl_ctx.set_verify_mode(ssl::verify_none);
    stream = std::make_unique<ssl::stream<tcp::socket>>(ioc, ssl_ctx);
  }

  // One read; false on timeout or end of connection (closed then set).
  bool ReadSome(std::chrono::steady_clock::time_point deadline) {
    char buf[16384];
    bool done = false;
    boost::system::error_code result;
    size_t got = 0;
    auto handler = [&](boost::system::error_code ec, size_t n) {
      done = true;
      result = ec;
      got = n;
    };
    if (tls) {
      stream->async_read_some(asio::buffer(buf), handler);
    } else {
      stream->next_layer().async_read_some(asio::buffer(buf), handler);
    }
    ioc.restart();
    ioc.run_until(deadline);
    if (!done) {
      boost::system::error_code ignored;
      stream->next_layer().cancel(ignored);
      ioc.restart();
      ioc.run();
      if (!done || result) return false;  // cancelled (or failed meanwhile)
    }
    received.append(buf, got);
    if (result) closed = true;
    return !result;
  }

  bool tls;
  asio::io_context ioc;
  ssl::context ssl_ctx;
  std::unique_ptr<ssl::stream<tcp::socket>> stream;
  std::string received;
  bool closed = false;
};

RawHttpClient::RawHttpClient(uint16_t port, bool tls) : impl_(new Impl(tls)) {
  impl_->stream->next_layer().connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  if (tls) impl_->stream->handshake(ssl::stream_base::client);
}

RawHttpClient::~RawHttpClient() = default;

void RawHttpClient::Send(const std::string& bytes) {
  if (impl_->tls) {
    asio::write(*impl_->stream, asio::buffer(bytes));
  } else {
    asio::write(impl_->stream->next_layer(), asio::buffer(bytes));
  }
}

bool RawHttpClient::ReadUntil(const std::string& text, std::chrono::milliseconds timeout,
                              size_t from) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (impl_->received.find(text, from) == std::string::npos) {
    if (impl_->closed || !impl_->ReadSome(deadline)) return false;
  }
  return true;
}

bool RawHttpClient::ReadUntilClosed(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!impl_->closed) {
    if (!impl_->ReadSome(deadline) && !impl_->closed) return false;
  }
  return true;
}

void RawHttpClient::Close() {
  boost::system::error_code ignored;
  impl_->stream->next_layer().close(ignored);
}

const std::string& RawHttpClient::received() const { return impl_->received; }

}  // namespace roadsense::testing
