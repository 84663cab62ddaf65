// HttpServer: an HTTP/1.1 keep-alive server on Boost.Asio/Beast with a thread pool.
//
// Each connection reads one request at a time (with a body limit and read/idle timeouts), hands it
// to the HttpHandler, and writes the response when the handler calls its Responder. Handlers may
// answer asynchronously (long polling, waiting for a durable enqueue): the Responder may be called
// from any thread, exactly once. The server applies a connection cap; excess connections are
// closed at accept time.
//
// A handler may instead stream its answer (Responder::Stream → ResponseStream): the head is
// sent at once, then chunks as the handler writes them (chunked transfer encoding), until it
// ends the stream, the client goes away (noticed while idle too), the client falls more than
// stream_buffer_limit behind, or Stop(). A streamed answer ends its connection.
//
// Threading: Start() binds and launches `threads` I/O threads; Stop() closes the listener and
// all connections and joins the threads. Handlers run on I/O threads and must not block for long.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/status.h"
#include "net/http_message.h"
#include "net/responder.h"

namespace roadsense::net {

using HttpHandler = std::function<void(HttpRequest&&, Responder)>;

struct HttpServerOptions {
  std::string listen = "127.0.0.1:8080";  // "host:port"; port 0 picks a free port
  int threads = 0;                        // 0: one per hardware core
  size_t body_limit = 8 << 20;            // bytes; larger bodies get 413
  size_t header_limit = 16 << 10;         // bytes; larger headers get 431
  // To receive one whole request; on a TLS listener also the time to complete the handshake.
  std::chrono::milliseconds read_timeout{30000};
  std::chrono::milliseconds idle_timeout{60000};  // keep-alive connection without a request
  size_t max_connections = 10000;
  std::string server_name = "roadsense";
  // Streamed responses (Responder::Stream): bytes written but not yet taken by the socket, per
  // stream. A client that lets more pile up is disconnected (ResponseStream::Write → false).
  size_t stream_buffer_limit = 1 << 20;
  // TLS: PEM files of the certificate chain (leaf first) and its private key. Both set: the
  // listener speaks TLS 1.2+ only (plain HTTP on it fails the handshake and is closed unserved);
  // both empty: plain HTTP. Loaded by Start(), which fails on unreadable or mismatched files.
  std::string tls_certificate_file{};
  std::string tls_private_key_file{};
  // Called with the status of every answer the server gives by itself without calling the
  // handler: 413 (body over body_limit), 431 (header over header_limit), 400 (unparsable
  // request). Each such answer names the problem ("request body exceeds the 8388608-byte limit")
  // and closes the connection. Runs on an I/O thread: must be thread-safe and quick. Timeouts
  // and failed TLS handshakes are not answered (the connection is just closed) and not reported.
  std::function<void(int status)> on_rejected{};
};

class HttpServer {
 public:
  HttpServer(HttpServerOptions options, HttpHandler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and starts serving. Fails (without throwing) when the address cannot be bound.
  Status Start();
  // The bound port (useful with port 0). Valid after a successful Start().
  uint16_t port() const;
  // Closes the listening socket: new connections are refused, open ones are still served (and
  // pending Responders still answer) until Stop(). The first step of a graceful shutdown.
  // Idempotent. Not concurrently with Start() or Stop() (call it from the thread that owns the
  // server).
  void StopAccepting();
  // Idempotent; waits for the I/O threads to finish, so never call it from a handler. Requests
  // whose Responder has not been called are dropped (their connections closed); calling such a
  // Responder later is a harmless no-op, even after the server is destroyed.
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// ResponseBatch: while one is open on a thread, the whole responses that thread gives to
// HttpServer Responders are held, and handed to each server's I/O threads together when the
// batch closes: one post — one wake-up of an idle I/O thread — per server and batch instead of
// one per response. Open it around a burst of answers given off the I/O threads (the callbacks of
// one group commit). It only delays: the answers leave when the batch closes, in the order given.
// Streamed responses and Responders of other kinds are not held. A batch opened while another is
// open on the same thread joins the outer one.
//
// Threading: thread-bound (construct and destroy on the same thread); not copyable or movable.
class ResponseBatch {
 public:
  ResponseBatch();
  ~ResponseBatch();  // hands over what is held (the outermost batch only)
  ResponseBatch(const ResponseBatch&) = delete;
  ResponseBatch& operator=(const ResponseBatch&) = delete;

 private:
  bool outermost_ = false;
};

// Splits "host:port" (IPv6 as "[::1]:port"). Port must be 0..65535.
Result<std::pair<std::string, uint16_t>> ParseHostPort(std::string_view text);

}  // namespace roadsense::net
