#include "net/request_body.h"

#include <gtest/gtest.h>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <string>
#include <string_view>

namespace roadsense::net {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;

struct Parsed {
  beast::error_code ec;
  std::string body;
};

// Feeds `wire` to a request parser in pieces of at most `piece` bytes, as reads deliver it.
template <class Body>
Parsed Parse(std::string_view wire, size_t piece, uint64_t body_limit = 1 << 20) {
  http::request_parser<Body> parser;
  parser.body_limit(body_limit);
  parser.eager(true);
  Parsed out;
  std::string pending;
  for (size_t at = 0; at < wire.size() && !parser.is_done();) {
    const size_t n = std::min(piece, wire.size() - at);
    pending.append(wire.substr(at, n));
    at += n;
    const size_t used = parser.put(boost::asio::buffer(pending), out.ec);
    if (out.ec == http::error::need_more) {
      out.ec = {};
    } else if (out.ec) {
      return out;
    }
    pending.erase(0, used);
  }
  if (!parser.is_done() && !out.ec) out.ec = http::error::partial_message;
  if (!out.ec) out.body = parser.release().body();
  return out;
}

std::string Bytes(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + i % 26);
  return s;
}

std::string WithLength(const std::string& body) {
  return "POST /q HTTP/1.1\r\nHost: h\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + body;
}

TEST(RequestBodyTest, ContentLengthBodyArrivesWholeWhateverTheReadSizes) {
  const std::string body = Bytes(70000);
  for (size_t piece : {1u, 7u, 512u, 4096u, 100000u}) {
    const Parsed parsed = Parse<RequestBody>(WithLength(body), piece);
    ASSERT_FALSE(parsed.ec) << piece << ": " << parsed.ec.message();
    EXPECT_EQ(parsed.body, body) << piece;
  }
}

TEST(RequestBodyTest, ChunkedBodyIsJoined) {
  const std::string wire =
      "POST /q HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\n\r\n";
  for (size_t piece : {1u, 3u, 1000u}) {
    const Parsed parsed = Parse<RequestBody>(wire, piece);
    ASSERT_FALSE(parsed.ec) << piece << ": " << parsed.ec.message();
    EXPECT_EQ(parsed.body, "hello world") << piece;
  }
}

TEST(RequestBodyTest, EmptyBodyIsEmpty) {
  const Parsed parsed = Parse<RequestBody>(WithLength(""), 64);
  ASSERT_FALSE(parsed.ec) << parsed.ec.message();
  EXPECT_EQ(parsed.body, "");
}

TEST(RequestBodyTest, BodyOverTheLimitIsRejectedAsWithStringBody) {
  const std::string wire = WithLength(Bytes(2000));
  EXPECT_EQ(Parse<RequestBody>(wire, 300, 1999).ec, http::error::body_limit);
  EXPECT_EQ(Parse<http::string_body>(wire, 300, 1999).ec, http::error::body_limit);
  const std::string chunked =
      "POST /q HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
      "8\r\n12345678\r\n8\r\n12345678\r\n0\r\n\r\n";
  EXPECT_EQ(Parse<RequestBody>(chunked, 5, 10).ec, http::error::body_limit);
}

TEST(RequestBodyTest, SameBodyAsStringBody) {
  const std::string wire = WithLength(Bytes(10 * 1024 + 3));
  EXPECT_EQ(Parse<RequestBody>(wire, 1500).body, Parse<http::string_body>(wire, 1500).body);
}

}  // namespace
}  // namespace roadsense::net
