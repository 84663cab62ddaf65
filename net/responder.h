// Responder: how an HttpHandler answers its request, exactly once, from any thread — either a
// whole response (`respond(response)`) or a streamed one (`respond.Stream(head)`, see
// response_stream.h).
//
// The server makes Responders bound to its connection. Any callable taking an HttpResponse also
// converts to a Responder (handler unit tests, wrappers that count answers); such a Responder's
// Stream() collects the chunks and delivers them as one whole response at End(). A wrapper
// that must keep streaming working builds its Responder with both functions.
//
// Threading: copyable; calls may come from any thread. The first call (whole or Stream) wins;
// later calls are logged and dropped (a later Stream() returns an already closed stream).
#pragma once

#include <concepts>
#include <cstdint>
#include <functional>
#include <memory>
#include <type_traits>
#include <utility>

#include "net/http_message.h"
#include "net/response_stream.h"

namespace roadsense::net {

// What a server binds its Responders to: one object (its connection) answers request after
// request, each Responder naming its request by a number, so making a Responder allocates nothing.
// The target decides which call is a request's first; every other call is dropped.
class ResponderTarget {
 public:
  virtual ~ResponderTarget() = default;
  virtual void Respond(uint64_t request, HttpResponse response) = 0;
  // Never null.
  virtual std::shared_ptr<ResponseStream> RespondStreamed(uint64_t request, HttpResponse head) = 0;
};

class Responder {
 public:
  using RespondFn = std::function<void(HttpResponse)>;
  using StreamFn = std::function<std::shared_ptr<ResponseStream>(HttpResponse head)>;

  Responder() = default;
  template <typename F>
  requires(!std::same_as<std::decay_t<F>, Responder> && std::invocable<F&, HttpResponse>)
      Responder(F respond)  // NOLINT(google-explicit-constructor): callables are Responders
      : respond_(std::move(respond)) {}
  Responder(RespondFn respond, StreamFn stream)
      : respond_(std::move(respond)), stream_(std::move(stream)) {}
  // Answers request number `request` of `target`, which the Responder keeps alive.
  Responder(std::shared_ptr<ResponderTarget> target, uint64_t request)
      : target_(std::move(target)), request_(request) {}

  void operator()(HttpResponse response) const {
    if (target_) return target_->Respond(request_, std::move(response));
    respond_(std::move(response));
  }
  // Sends `head` (its status and headers; its body is ignored) and returns the stream for the
  // body. Never null.
  std::shared_ptr<ResponseStream> Stream(HttpResponse head) const;

  explicit operator bool() const { return target_ || respond_; }

 private:
  RespondFn respond_;
  StreamFn stream_;                          // empty: Stream() buffers and answers through respond_
  std::shared_ptr<ResponderTarget> target_;  // set: answers go to it, not to the functions
  uint64_t request_ = 0;
};

}  // namespace roadsense::net
