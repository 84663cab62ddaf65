// ResponseStream: the body of a streamed HTTP response (Server-Sent Events, long downloads),
// obtained from Responder::Stream(). The head (status, headers) is sent first, then each Write()
// as one chunk of `Transfer-Encoding: chunked` (HTTP/1.0 clients: raw bytes, end = close), in
// the order written, until End(), the client goes away, the buffer overflows or the server stops.
//
// Threading: every method may be called from any thread. Writes are queued and flushed in order
// by the connection's I/O strand; Write() never blocks.
#pragma once

#include <functional>
#include <string>

namespace roadsense::net {

class ResponseStream {
 public:
  virtual ~ResponseStream() = default;

  // Queues `chunk` (empty chunks are ignored). False when the stream is closed — ended, client
  // gone, server stopping, or this chunk would push the bytes queued but not yet accepted by
  // the socket past HttpServerOptions::stream_buffer_limit: a client that does not keep up is
  // disconnected rather than letting the queue grow. After false, nothing more is sent.
  virtual bool Write(std::string chunk) = 0;
  // Sends what is queued, then the end of the body. Idempotent; no-op on a closed stream.
  virtual void End() = 0;
  // True once no more chunks are accepted (End() called or the stream was closed).
  virtual bool closed() const = 0;
  // `callback` runs once when the stream is over: its end was sent, or it was cut short
  // (client gone, overflow, server stop). Runs on an I/O thread — never inside Write() or
  // End() — or at once on the caller's thread if the stream is already over. Must be quick and
  // must not block; it may call Write()/End() (which then return false / do nothing).
  virtual void OnClose(std::function<void()> callback) = 0;
};

}  // namespace roadsense::net
