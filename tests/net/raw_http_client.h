// RawHttpClient: one connection (plain or TLS) that shows a response's bytes as they arrive —
// for streamed answers (chunked, Server-Sent Events), which HttpClient only returns whole. Every
// read is bounded by a deadline, so a broken server fails a test instead of hanging it. The TLS
// side does not verify the certificate: tests of trust use HttpClient.
// Not thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace roadsense::testing {

class RawHttpClient {
 public:
  // Connects to 127.0.0.1:`port` (and completes the TLS handshake); throws on failure.
  RawHttpClient(uint16_t port, bool tls);
  ~RawHttpClient();

  // Sends raw bytes (a whole request: "GET / HTTP/1.1\r\nHost: x\r\n\r\n").
  void Send(const std::string& bytes);
  // Reads until received() contains `text` after `from` (true), or the deadline passes or the
  // connection ends (false).
  bool ReadUntil(const std::string& text, std::chrono::milliseconds timeout, size_t from = 0);
  // Reads until the server ends the connection (true) or the deadline passes (false).
  bool ReadUntilClosed(std::chrono::milliseconds timeout);
  // Drops the connection (the server sees the client go away).
  void Close();
  // Everything read so far, headers and chunk framing included.
  const std::string& received() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace roadsense::testing
