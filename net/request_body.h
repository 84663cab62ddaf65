// RequestBody: a Beast body type for incoming requests whose value is a std::string, like
// boost::beast::http::string_body, but whose reader appends each received buffer to the string
// instead of resizing it first. string_body's reader resizes (zero-filling the new bytes) and then
// copies over them: every body byte was written twice. Here the bytes are written once, into
// capacity reserved from Content-Length (as string_body does).
//
// Reader only: the server never serializes a request. Limits are unchanged: the parser's
// body_limit applies before put(), and a body over std::string::max_size() is buffer_overflow, as
// with string_body.
#pragma once

#include <boost/beast/core/buffers_range.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/optional.hpp>
#include <cstdint>
#include <string>

namespace roadsense::net {

struct RequestBody {
  using value_type = std::string;

  static std::uint64_t size(const value_type& body) { return body.size(); }

  class reader {
   public:
    template <bool isRequest, class Fields>
    explicit reader(boost::beast::http::header<isRequest, Fields>&, value_type& body)
        : body_(body) {}

    void init(const boost::optional<std::uint64_t>& length, boost::beast::error_code& ec) {
      if (length) {
        if (*length > body_.max_size()) {
          ec = boost::beast::http::error::buffer_overflow;
          return;
        }
        body_.reserve(static_cast<size_t>(*length));
      }
      ec = {};
    }

    template <class ConstBufferSequence>
    std::size_t put(const ConstBufferSequence& buffers, boost::beast::error_code& ec) {
      const std::size_t extra = boost::asio::buffer_size(buffers);
      if (extra > body_.max_size() - body_.size()) {
        ec = boost::beast::http::error::buffer_overflow;
        return 0;
      }
      // Within the Content-Length reservation append does not allocate; without one (chunked)
      // it grows the string geometrically, as resize does.
      for (auto buffer : boost::beast::buffers_range_ref(buffers)) {
        body_.append(static_cast<const char*>(buffer.data()), buffer.size());
      }
      ec = {};
      return extra;
    }

    void finish(boost::beast::error_code& ec) { ec = {}; }

   private:
    value_type& body_;
  };
};

}  // namespace roadsense::net
