#include "net/http_server.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/defer.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <charconv>
#include <deque>
#include <memory_resource>
#include <mutex>
#include <optional>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "net/request_body.h"

namespace roadsense::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// What the server needs from a connection of either kind (plain or TLS): closing it on Stop(),
// and answering its requests (the target of their Responders).
class SessionBase : public ResponderTarget {
 public:
  virtual ~SessionBase() = default;
  // Closes the socket from the session's strand; pending operations complete with an error.
  virtual void PostClose() = 0;
  // From an I/O thread of the session's server: writes `response` on the session's strand —
  // at once when the strand is free, so a batch of answers costs no further hand-off.
  virtual void WriteFromIoThread(HttpResponse response) = 0;
};

// Everything sessions and responders share. Sessions (and the Responders that keep them alive)
// hold a shared_ptr to it, so the io_context outlives every socket bound to it even when a
// handler keeps a Responder after the server is gone.
struct ServerState {
  explicit ServerState(HttpServerOptions opts, HttpHandler h)
      : options(std::move(opts)), handler(std::move(h)) {}

  HttpServerOptions options;
  HttpHandler handler;
  asio::io_context ioc;
  // Set by Start() when the options name a certificate and key: every connection speaks TLS.
  std::unique_ptr<ssl::context> tls;
  std::atomic<size_t> connections{0};

  // Guards `sessions` and the setting of `stopped`. Responders post under this lock so that
  // nothing is posted once Stop() has started (the I/O threads may already have run out of work
  // and exited). A check that only decides how to end a connection reads `stopped` without it:
  // taking it there made I/O threads wait for a committer thread preempted while posting.
  std::mutex mu;
  std::atomic<bool> stopped{false};
  std::unordered_map<SessionBase*, std::weak_ptr<SessionBase>> sessions;
};

// The ResponseBatch open on this thread, if any, and the whole responses it holds.
struct HeldResponse {
  std::shared_ptr<ServerState> server;
  std::shared_ptr<SessionBase> session;
  HttpResponse response;
};
struct OpenResponseBatch {
  bool open = false;
  std::vector<HeldResponse> held;
};
thread_local OpenResponseBatch open_response_batch;

// Posts `response` to be written by `session` — or, inside a ResponseBatch, holds it for the
// batch's single post. The caller has made sure it is the request's only answer.
void SendResponse(std::shared_ptr<ServerState> server, std::shared_ptr<SessionBase> session,
                  HttpResponse response) {
  if (open_response_batch.open) {
    open_response_batch.held.push_back(
        HeldResponse{std::move(server), std::move(session), std::move(response)});
    return;
  }
  std::lock_guard lock(server->mu);
  if (server->stopped) return;  // server stopping: the connection is being closed
  asio::post(server->ioc, [session = std::move(session), r = std::move(response)]() mutable {
    session->WriteFromIoThread(std::move(r));
  });
}

std::string EndpointString(const tcp::endpoint& ep) {
  const auto addr = ep.address();
  std::string host = addr.to_string();
  if (addr.is_v6()) host = "[" + host + "]";
  return host + ":" + std::to_string(ep.port());
}

// A streamed response's queue, shared by the handler's ResponseStream handle (any thread) and the
// connection's strand (which takes the chunks and writes them). Guarded by `mu`.
struct StreamState {
  explicit StreamState(size_t limit_bytes) : limit(limit_bytes) {}
  const size_t limit;
  std::mutex mu;
  std::deque<std::string> queue;  // chunks not yet taken by the strand
  size_t buffered = 0;            // bytes queued or being written
  bool closed = false;            // no more Write(): ended, cut, gone or stopped
  bool ended = false;             // End() called: send the rest, then the last chunk
  bool cut = false;               // overflow: drop the connection without sending the rest
  bool flush_posted = false;      // a FlushStream is on its way to the strand
  bool over = false;              // on_close has run (or will run at registration)
  std::function<void()> on_close;
};

// Marks the stream over and runs its callback once, outside the lock.
void FinishStream(StreamState& st) {
  std::function<void()> callback;
  {
    std::lock_guard lock(st.mu);
    st.closed = true;
    if (st.over) return;
    st.over = true;
    callback = std::move(st.on_close);
  }
  if (callback) callback();
}

// The handler's side of a streamed response. `kick` asks the connection's strand to flush.
class SessionStream : public ResponseStream {
 public:
  SessionStream(std::shared_ptr<StreamState> state, std::function<void()> kick)
      : state_(std::move(state)), kick_(std::move(kick)) {}

  bool Write(std::string chunk) override {
    bool accepted = false;
    bool kick = false;
    {
      std::lock_guard lock(state_->mu);
      if (state_->closed) return false;
      if (chunk.empty()) return true;
      if (state_->buffered + chunk.size() > state_->limit) {
        // The client is not keeping up: drop it rather than grow the queue.
        state_->closed = true;
        state_->cut = true;
        state_->queue.clear();
        kick = true;  // even with a flush pending: that one may wait on the stalled write
      } else {
        accepted = true;
        state_->buffered += chunk.size();
        state_->queue.push_back(std::move(chunk));
        kick = !std::exchange(state_->flush_posted, true);
      }
    }
    if (kick) kick_();
    return accepted;
  }

  void End() override {
    bool kick = false;
    {
      std::lock_guard lock(state_->mu);
      if (state_->closed) return;
      state_->closed = true;
      state_->ended = true;
      kick = !std::exchange(state_->flush_posted, true);
    }
    if (kick) kick_();
  }

  bool closed() const override {
    std::lock_guard lock(state_->mu);
    return state_->closed;
  }

  void OnClose(std::function<void()> callback) override {
    {
      std::lock_guard lock(state_->mu);
      if (!state_->over) {
        state_->on_close = std::move(callback);
        return;
      }
    }
    if (callback) callback();
  }

 private:
  std::shared_ptr<StreamState> state_;
  std::function<void()> kick_;
};

// "request body exceeds the 8388608-byte limit": rejections name the limit that was hit.
std::string LimitMessage(std::string_view what, size_t limit) {
  return std::string(what) + " exceeds the " + std::to_string(limit) + "-byte limit";
}

// One connection: (TLS handshake,) read a request, hand it to the handler, write the response
// when the Responder is called, repeat while keep-alive. All socket work happens on the
// connection's strand. `Stream` is beast::tcp_stream or TlsStream; the timeouts live on the
// tcp_stream underneath either.
template <typename Stream>
class Session : public SessionBase, public std::enable_shared_from_this<Session<Stream>> {
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;
  static constexpr uint64_t kReadRoom = 64 << 10;  // most buffer room reserved for one body
  static constexpr size_t kKeptRoom = 16 << 10;    // most an idle connection keeps

 public:
  Session(std::shared_ptr<ServerState> state, tcp::socket&& socket) requires(!kTls)
      : state_(std::move(state)), stream_(std::move(socket)) {
    Init();
  }
  Session(std::shared_ptr<ServerState> state, tcp::socket&& socket) requires(kTls)
      : state_(std::move(state)), stream_(std::move(socket), *state_->tls) {
    Init();
  }

  ~Session() override {
    state_->connections.fetch_sub(1);
    std::lock_guard lock(state_->mu);
    state_->sessions.erase(this);
  }

  // Registers with the server (so Stop() can close it) and starts reading (after the handshake).
  void Start() {
    {
      std::lock_guard lock(state_->mu);
      if (state_->stopped) return;
      state_->sessions.emplace(this, this->weak_from_this());
    }
    asio::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
      if constexpr (kTls) {
        self->Handshake();
      } else {
        self->Read();
      }
    });
  }

  void WriteFromIoThread(HttpResponse response) override {
    asio::dispatch(stream_.get_executor(),
                   [self = this->shared_from_this(), r = std::move(response)]() mutable {
                     self->Write(std::move(r));
                   });
  }

  void PostClose() override {
    asio::post(stream_.get_executor(), [self = this->shared_from_this()] {
      beast::error_code ec;
      self->Tcp().socket().shutdown(tcp::socket::shutdown_both, ec);
      self->Tcp().close();
      self->deadline_timer_.cancel();  // a pending wait would keep the I/O threads running
    });
  }

 private:
  void Init() {
    beast::error_code ec;
    remote_ = EndpointString(Tcp().socket().remote_endpoint(ec));
    // Write() tries a synchronous send first; it must return would_block, never wait.
    if constexpr (!kTls) {
      Tcp().socket().non_blocking(true, ec);
      send_at_once_ = !ec;
    }
    state_->connections.fetch_add(1);
  }

  beast::tcp_stream& Tcp() { return beast::get_lowest_layer(stream_); }

  // The handshake counts against the read timeout like the first request's header does, so a
  // client that connects and stalls (or speaks plain HTTP to this port) cannot hold the slot.
  void Handshake() {
    Tcp().expires_after(state_->options.read_timeout);
    stream_.async_handshake(
        ssl::stream_base::server, [self = this->shared_from_this()](beast::error_code ec) {
          if (ec) {
            spdlog::debug("http: TLS handshake with {} failed: {}", self->remote_, ec.message());
            return self->Close(/*graceful=*/false);
          }
          self->Read();
        });
  }

  void Read() {
    // The request's fields live in header_arena_ (released in OnRead): no allocation per field.
    parser_.emplace(std::piecewise_construct, std::make_tuple(),
                    std::make_tuple(std::pmr::polymorphic_allocator<char>(&header_arena_)));
    parser_->body_limit(state_->options.body_limit);
    parser_->header_limit(static_cast<uint32_t>(
        std::min<size_t>(state_->options.header_limit, std::numeric_limits<uint32_t>::max())));
    // A kept-alive connection with nothing buffered is idle until the next request begins.
    const bool idle = requests_served_ > 0 && buffer_.size() == 0;
    const auto timeout = idle ? state_->options.idle_timeout : state_->options.read_timeout;
    auto on_header = [self = this->shared_from_this()](beast::error_code ec, size_t header_bytes) {
      self->OnHeader(ec, header_bytes);
    };
    if constexpr (kTls) {
      Tcp().expires_after(timeout);
      http::async_read_header(stream_, buffer_, *parser_, std::move(on_header));
    } else {
      SetDeadline(timeout);
      http::async_read_header(Tcp().socket(), buffer_, *parser_, std::move(on_header));
    }
  }

  // `header_bytes`: the size of the request's header, which the parser has taken from buffer_.
  void OnHeader(beast::error_code ec, size_t header_bytes) {
    if (ec) return OnReadError(ec);
    // Beast reads at most the buffer's free room per read(2) (at least 512 bytes), and the parser
    // empties the buffer as it goes, so a buffer sized by headers stays small and a 10 KiB body
    // took ~9 system calls. Room for the body (up to 64 KiB) makes it one; OnRead gives it back.
    // The part of the body that came with the header is already buffered, and the parser takes
    // it out of the buffer before the next read: only the rest needs room. (Reserving for the
    // whole body on top of what is buffered grew a 10 KiB SendMessageBatch's buffer past
    // kKeptRoom on every request, so OnRead freed it and the next request allocated it again.)
    // The room kept (up to kKeptRoom) also fits the whole of the next request like this one,
    // header and body, so that one read takes it: sized by the body's unread part alone, an
    // 11,006-byte SendMessageBatch came in two, 10,488 + 518 bytes, every time.
    if (auto length = parser_->content_length(); length && *length > buffer_.size()) {
      const uint64_t unread = *length - buffer_.size();
      const uint64_t whole = header_bytes + *length;
      const uint64_t room = std::min<uint64_t>(
          std::max<uint64_t>(unread, std::min<uint64_t>(whole, kKeptRoom)), kReadRoom);
      if (room > buffer_.capacity()) buffer_.reserve(static_cast<size_t>(room));
    }
    auto on_read = [self = this->shared_from_this()](beast::error_code ec, size_t) {
      self->OnRead(ec);
    };
    if constexpr (kTls) {
      Tcp().expires_after(state_->options.read_timeout);
      http::async_read(stream_, buffer_, *parser_, std::move(on_read));
    } else {
      SetDeadline(state_->options.read_timeout);
      http::async_read(Tcp().socket(), buffer_, *parser_, std::move(on_read));
    }
  }

  // Timeouts of the request cycle on a plain connection (reading a request, writing its answer).
  // tcp_stream's timer is armed and cancelled around every read and write; this one is armed
  // only when nothing is armed or the deadline moves earlier than the armed expiry, and when it
  // fires it re-arms for a deadline that moved later meanwhile. So setting a deadline is
  // nearly always a store. A passed deadline closes the socket: the pending read or write fails
  // and the connection ends unanswered, as on tcp_stream's timeout.
  void SetDeadline(std::chrono::steady_clock::duration timeout) {
    deadline_ = std::chrono::steady_clock::now() + timeout;
    if (!deadline_armed_ || deadline_ < deadline_timer_.expiry()) ArmDeadline();
  }

  // Nothing timed (the handler owns the latency, or tcp_stream's timer does the timing).
  void ClearDeadline() { deadline_ = std::chrono::steady_clock::time_point::max(); }

  void ArmDeadline() {
    deadline_armed_ = true;
    deadline_timer_.expires_at(deadline_);  // a pending wait completes as operation_aborted
    // Weak: the timer must not keep alive a connection that nothing else needs.
    deadline_timer_.async_wait([weak = this->weak_from_this()](beast::error_code ec) {
      if (ec == asio::error::operation_aborted) return;
      if (auto self = weak.lock()) self->OnDeadline();
    });
  }

  void OnDeadline() {
    deadline_armed_ = false;
    if (deadline_ == std::chrono::steady_clock::time_point::max()) return;
    if (std::chrono::steady_clock::now() < deadline_) return ArmDeadline();
    beast::error_code ec;
    Tcp().socket().close(ec);
  }

  void OnReadError(beast::error_code ec) {
    if (ec == http::error::body_limit) {
      return Reject(413, LimitMessage("request body", state_->options.body_limit));
    }
    if (ec == http::error::header_limit) {
      return Reject(431, LimitMessage("request header", state_->options.header_limit));
    }
    if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
        ec == asio::error::operation_aborted || ec == asio::error::connection_reset ||
        ec == asio::error::eof || ec == asio::error::bad_descriptor ||
        ec == ssl::error::stream_truncated) {
      return Close(/*graceful=*/false);
    }
    if (ec.category() == http::make_error_code(http::error::bad_target).category()) {
      return Reject(400, "malformed request: " + ec.message());
    }
    spdlog::debug("http: read from {} failed: {}", remote_, ec.message());
    Close(/*graceful=*/false);
  }

  void OnRead(beast::error_code ec) {
    if (ec) return OnReadError(ec);
    auto& msg = parser_->get();
    // Assigned into the previous request's strings: a header value longer than the short-string
    // room (a signature, a date, a user agent) reuses their memory instead of a malloc each. The
    // handler takes the request by reference for the call only; whatever it moves out is
    // allocated afresh next time.
    HttpRequest& request = request_;
    request.method.assign(msg.method_string());
    request.target.assign(msg.target());
    const auto fields = static_cast<size_t>(std::distance(msg.begin(), msg.end()));
    if (request.headers.size() > fields) {
      request.headers.erase(request.headers.begin() + static_cast<ptrdiff_t>(fields),
                            request.headers.end());
    }
    size_t i = 0;
    for (const auto& field : msg) {
      if (i < request.headers.size()) {
        request.headers[i].first.assign(field.name_string());
        request.headers[i].second.assign(field.value());
      } else {
        request.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
      }
      ++i;
    }
    request.body = std::move(msg.body());
    request.remote_address.assign(remote_);
    request.secure = kTls;
    keep_alive_ = msg.keep_alive();
    version_ = msg.version();
    parser_.reset();
    header_arena_.release();
    // An idle kept-alive connection holds at most kKeptRoom of buffer, whatever it once read.
    if (buffer_.capacity() > kKeptRoom) buffer_.shrink_to_fit();
    ++requests_served_;

    // No timer runs while the handler works: the handler owns the latency (long polls).
    if constexpr (kTls) {
      Tcp().expires_never();
    } else {
      ClearDeadline();
    }
    try {
      state_->handler(std::move(request), Responder(this->shared_from_this(), requests_served_));
    } catch (const std::exception& e) {
      spdlog::error("http: handler threw: {}", e.what());
      Respond(requests_served_, HttpResponse::Text(500, "internal error\n"));
    }
    // The body is not kept for the next request: an idle connection holds no request body.
    std::string().swap(request_.body);
  }

  // Request `request`'s first answer: true once, when it has not been answered yet. Requests are
  // numbered from 1 and the next one is read only after this one's answer is written, so while
  // request n waits for its answer, answered_ is n - 1; a Responder of an earlier request finds
  // it past its number.
  bool ClaimAnswer(uint64_t request) {
    uint64_t unanswered = request - 1;
    return answered_.compare_exchange_strong(unanswered, request, std::memory_order_acq_rel);
  }

  void Respond(uint64_t request, HttpResponse response) override {
    if (!ClaimAnswer(request)) {
      spdlog::error("http: Responder called twice; second response dropped");
      return;
    }
    SendResponse(state_, this->shared_from_this(), std::move(response));
  }

  std::shared_ptr<ResponseStream> RespondStreamed(uint64_t request, HttpResponse head) override {
    auto self = this->shared_from_this();
    auto st = std::make_shared<StreamState>(state_->options.stream_buffer_limit);
    auto handle = std::make_shared<SessionStream>(st, [self] {
      std::lock_guard lock(self->state_->mu);
      if (self->state_->stopped) return;
      asio::post(self->stream_.get_executor(), [self] { self->FlushStream(); });
    });
    if (!ClaimAnswer(request)) {
      spdlog::error("http: Responder called twice; stream dropped");
      FinishStream(*st);
      return handle;
    }
    {
      std::lock_guard lock(state_->mu);
      if (!state_->stopped) {
        asio::post(stream_.get_executor(), [self, st, h = std::move(head)]() mutable {
          self->StartStream(std::move(h), std::move(st));
        });
        return handle;
      }
    }
    FinishStream(*st);  // server stopping: the connection is being closed
    return handle;
  }

  // Streamed response (strand): send the head, then whatever the handler queues. The connection
  // ends with the stream, so a read can stay pending the whole time to notice a client that
  // goes away even while nothing is written.
  void StartStream(HttpResponse head, std::shared_ptr<StreamState> st) {
    stream_state_ = std::move(st);
    stream_chunked_ = version_ >= 11;
    if (Stopping()) return StreamGone();
    const int status = head.status;
    std::string text = "HTTP/1." + std::to_string(version_ % 10) + " " + std::to_string(status) +
                       " " + std::string(http::obsolete_reason(static_cast<http::status>(status))) +
                       "\r\n";
    for (const auto& [name, value] : head.headers) {
      if (beast::iequals(name, "Content-Length") || beast::iequals(name, "Transfer-Encoding") ||
          beast::iequals(name, "Connection") || beast::iequals(name, "Server")) {
        continue;
      }
      text += name + ": " + value + "\r\n";
    }
    text += "Server: " + state_->options.server_name + "\r\n";
    if (stream_chunked_) text += "Transfer-Encoding: chunked\r\n";
    text += "Connection: close\r\n\r\n";
    stream_pending_head_ = std::move(text);
    ClearDeadline();
    Tcp().expires_never();
    WatchClient();
    FlushStream();
  }

  void WatchClient() {
    static constexpr size_t kMaxUnread = 64 << 10;
    stream_.async_read_some(buffer_.prepare(4096),
                            [self = this->shared_from_this()](beast::error_code ec, size_t n) {
                              if (ec) return self->StreamGone();
                              // A client may send (pipeline) while it reads; it is kept, within
                              // reason, and never answered: the connection ends with the stream.
                              self->buffer_.commit(n);
                              if (self->buffer_.size() > kMaxUnread) return self->StreamGone();
                              self->WatchClient();
                            });
  }

  void FlushStream() {
    if (!stream_state_ || stream_done_) return;
    StreamState& st = *stream_state_;
    std::string out = std::move(stream_pending_head_);
    stream_pending_head_.clear();
    size_t bytes = 0;
    bool last = false;
    bool cut = false;
    {
      std::lock_guard lock(st.mu);
      if (st.cut) {
        cut = true;
      } else if (!stream_writing_) {
        st.flush_posted = false;
        for (const std::string& chunk : st.queue) {
          if (stream_chunked_) {
            char size[20];
            const auto [end, err] = std::to_chars(size, size + sizeof size, chunk.size(), 16);
            out.append(size, end).append("\r\n").append(chunk).append("\r\n");
          } else {
            out += chunk;
          }
          bytes += chunk.size();
        }
        st.queue.clear();
        last = st.ended;
      }
    }
    if (cut) {
      spdlog::debug("http: stream to {} fell {} bytes behind; disconnecting", remote_, st.limit);
      return StreamGone();
    }
    if (stream_writing_) {
      // Only the head can be here: keep it for the next flush.
      if (!out.empty()) stream_pending_head_ = std::move(out);
      return;
    }
    if (last && stream_chunked_) out += "0\r\n\r\n";
    if (out.empty()) {
      if (last) StreamFinished();
      return;
    }
    stream_out_ = std::move(out);
    stream_writing_ = true;
    // A client that takes nothing for read_timeout is gone; the pending watch read is not timed.
    Tcp().expires_after(state_->options.read_timeout);
    asio::async_write(stream_, asio::buffer(stream_out_),
                      [self = this->shared_from_this(), bytes, last](beast::error_code ec, size_t) {
                        self->OnStreamWrite(ec, bytes, last);
                      });
  }

  void OnStreamWrite(beast::error_code ec, size_t bytes, bool last) {
    stream_writing_ = false;
    stream_out_.clear();
    Tcp().expires_never();
    if (ec) {
      spdlog::debug("http: stream to {} failed: {}", remote_, ec.message());
      return StreamGone();
    }
    {
      std::lock_guard lock(stream_state_->mu);
      stream_state_->buffered -= bytes;
    }
    if (last) return StreamFinished();
    FlushStream();
  }

  // The whole body went out: the stream is over and so is the connection. The last chunk marks
  // the end of the body, so no close_notify is needed over TLS.
  void StreamFinished() {
    if (stream_done_) return;
    stream_done_ = true;
    FinishStream(*stream_state_);
    Close(/*graceful=*/false);
  }

  // Client gone, fell behind, or the server is stopping: the stream ends without its last chunk.
  void StreamGone() {
    if (stream_done_ || !stream_state_) return;
    stream_done_ = true;
    FinishStream(*stream_state_);
    Close(/*graceful=*/false);
  }

  // A request the server refuses itself (the handler never sees it): answered, reported to
  // on_rejected, and the connection closed, since the rest of the stream cannot be trusted.
  void Reject(int status, std::string text) {
    if (state_->options.on_rejected) state_->options.on_rejected(status);
    keep_alive_ = false;
    linger_ = true;
    Write(HttpResponse::Text(status, std::move(text) + "\n"));
  }

  void Write(HttpResponse response) {
    out_keep_alive_ = keep_alive_ && !Stopping();
    if (!FormatHead(response)) return WriteThroughBeast(std::move(response));
    out_body_ = std::move(response.body);
    std::array<asio::const_buffer, 2> out{asio::buffer(out_head_), asio::buffer(out_body_)};
    auto on_write = [self = this->shared_from_this()](beast::error_code ec, size_t) {
      self->OnWrite(ec);
    };
    if constexpr (kTls) {
      Tcp().expires_after(state_->options.read_timeout);
      asio::async_write(stream_, out, std::move(on_write));
    } else {
      if (send_at_once_) {
        // An answer nearly always fits the socket's send buffer: one sendmsg on this thread,
        // with no write operation, timer or completion handler. The socket is non-blocking
        // (Init), so a full buffer leaves the rest to the asynchronous write below.
        beast::error_code ec;
        const size_t sent = Tcp().socket().write_some(out, ec);
        if (ec && ec != asio::error::would_block && ec != asio::error::try_again) {
          return OnWrite(ec);
        }
        const size_t head_sent = std::min(sent, out_head_.size());
        out[0] = asio::buffer(out_head_) + head_sent;
        out[1] = asio::buffer(out_body_) + (sent - head_sent);
        if (out[0].size() + out[1].size() == 0) return OnWrite({});
      }
      SetDeadline(state_->options.read_timeout);
      asio::async_write(Tcp().socket(), out, std::move(on_write));
    }
  }

  // The head Beast's serializer writes for `response` with our Server, keep-alive and
  // Content-Length fields (response line, the handler's headers in order with values trimmed
  // of blanks, then Server, Connection when needed, Content-Length), into out_head_, reusing its
  // room. False, with out_head_ unspecified, when Beast has to reconcile a header the handler
  // gave (Connection, Content-Length, Transfer-Encoding, Server, or a name given twice, which
  // Beast groups) or the status is not three digits: such answers go through Beast.
  bool FormatHead(const HttpResponse& response) {
    const int status = response.status;
    if (status < 100 || status > 999) return false;
    const HttpHeaders& headers = response.headers;
    for (size_t i = 0; i < headers.size(); ++i) {
      const std::string& name = headers[i].first;
      if (beast::iequals(name, "Connection") || beast::iequals(name, "Content-Length") ||
          beast::iequals(name, "Transfer-Encoding") || beast::iequals(name, "Server")) {
        return false;
      }
      for (size_t j = 0; j < i; ++j) {
        if (beast::iequals(name, headers[j].first)) return false;
      }
    }
    std::string& head = out_head_;
    head.clear();
    const char line[] = {'H',
                         'T',
                         'T',
                         'P',
                         '/',
                         static_cast<char>('0' + version_ / 10),
                         '.',
                         static_cast<char>('0' + version_ % 10),
                         ' ',
                         static_cast<char>('0' + status / 100),
                         static_cast<char>('0' + status / 10 % 10),
                         static_cast<char>('0' + status % 10),
                         ' '};
    head.append(line, sizeof line);
    const auto reason = http::obsolete_reason(static_cast<http::status>(status));
    head.append(reason.data(), reason.size()).append("\r\n");
    for (const auto& [name, value] : headers) {
      head.append(name).append(": ").append(TrimFieldValue(value)).append("\r\n");
    }
    head.append("Server: ").append(state_->options.server_name).append("\r\n");
    if (version_ < 11 && out_keep_alive_) head.append("Connection: keep-alive\r\n");
    if (version_ >= 11 && !out_keep_alive_) head.append("Connection: close\r\n");
    char length[24];
    const auto [end, err] = std::to_chars(length, length + sizeof length, response.body.size());
    head.append("Content-Length: ").append(length, end).append("\r\n\r\n");
    return true;
  }

  void WriteThroughBeast(HttpResponse response) {
    response_.emplace(static_cast<http::status>(response.status), version_);
    auto& res = *response_;
    for (auto& [name, value] : response.headers) res.insert(name, value);
    res.set(http::field::server, state_->options.server_name);
    res.body() = std::move(response.body);
    res.keep_alive(out_keep_alive_);
    res.content_length(res.body().size());
    ClearDeadline();  // tcp_stream's own timer bounds this write
    Tcp().expires_after(state_->options.read_timeout);
    http::async_write(
        stream_, res,
        [self = this->shared_from_this()](beast::error_code ec, size_t) { self->OnWrite(ec); });
  }

  void OnWrite(beast::error_code ec) {
    response_.reset();
    std::string().swap(out_body_);  // an idle connection keeps no answer
    if (ec) {
      spdlog::debug("http: write to {} failed: {}", remote_, ec.message());
      return Close(/*graceful=*/false);
    }
    if (linger_) return Linger();
    if (!out_keep_alive_) return Close(/*graceful=*/true);
    // The client sends its next request only once it has this answer, so a read started at once
    // nearly always found nothing: a recv failing with EAGAIN, then a wait for the socket. Started
    // after the handlers queued on this thread (the rest of a group commit's answers), it often
    // finds the request there. defer: no other I/O thread is woken for it.
    asio::defer(stream_.get_executor(), [self = this->shared_from_this()] { self->Read(); });
  }

  // After a rejection the client may still be sending the request (a body over the limit):
  // closing now, with its bytes unread, would reset the connection and could destroy the answer
  // before the client read it. So the server stops sending (plain TCP: FIN), reads and drops
  // what still arrives until the client closes, for at most read_timeout and kMaxLingerBytes,
  // and only then closes (RFC 9112 section 9.6).
  void Linger() {
    ClearDeadline();  // tcp_stream's own timer bounds the lingering
    if constexpr (!kTls) {
      beast::error_code ec;
      Tcp().socket().shutdown(tcp::socket::shutdown_send, ec);
    }
    Tcp().expires_after(state_->options.read_timeout);
    Discard(0);
  }

  void Discard(size_t discarded) {
    static constexpr size_t kMaxLingerBytes = 64 << 20;
    static constexpr size_t kChunk = 64 << 10;
    buffer_.clear();
    stream_.async_read_some(buffer_.prepare(kChunk), [self = this->shared_from_this(), discarded](
                                                         beast::error_code ec, size_t n) {
      if (ec || discarded + n > kMaxLingerBytes) return self->Close(/*graceful=*/false);
      self->Discard(discarded + n);
    });
  }

  bool Stopping() const { return state_->stopped.load(std::memory_order_acquire); }

  // `graceful`: the connection is healthy and we chose to end it; over TLS the peer then gets a
  // close_notify first (bounded by the read timeout), so it can tell the end from a truncation.
  void Close(bool graceful) {
    if constexpr (kTls) {
      if (graceful) {
        Tcp().expires_after(state_->options.read_timeout);
        stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) {
          self->Close(/*graceful=*/false);
        });
        return;
      }
    }
    beast::error_code ec;
    Tcp().socket().shutdown(tcp::socket::shutdown_send, ec);
    Tcp().close();
    deadline_timer_.cancel();
  }

  // First member: destroyed last, after the socket that depends on its io_context (and the TLS
  // stream that depends on its ssl::context).
  std::shared_ptr<ServerState> state_;
  Stream stream_;
  beast::flat_buffer buffer_;
  // The request being read; its fields are allocated from header_arena_, whose first
  // kHeaderRoom bytes are header_room_ (larger headers take blocks from the heap until
  // released).
  static constexpr size_t kHeaderRoom = 2048;
  alignas(std::max_align_t) std::byte header_room_[kHeaderRoom];
  std::pmr::monotonic_buffer_resource header_arena_{header_room_, kHeaderRoom};
  std::optional<http::request_parser<RequestBody, std::pmr::polymorphic_allocator<char>>> parser_;
  // The answer being written: its head, formatted here (FormatHead), and its body; or, for an
  // answer with headers Beast must reconcile, the whole message for Beast's serializer.
  std::string out_head_;
  std::string out_body_;
  bool out_keep_alive_ = false;
  bool send_at_once_ = false;  // plain TCP, socket non-blocking: Write() sends synchronously first
  // SetDeadline: the time the current read or write must end by (max: none), and the timer
  // that enforces it, which may be armed for an earlier expiry.
  std::chrono::steady_clock::time_point deadline_ = std::chrono::steady_clock::time_point::max();
  asio::steady_timer deadline_timer_{stream_.get_executor()};
  bool deadline_armed_ = false;
  std::optional<http::response<http::string_body>> response_;
  // The request being handled: its strings' memory is kept for the next one (OnRead).
  HttpRequest request_;
  // The number of the last request answered (ClaimAnswer); requests_served_ numbers them.
  std::atomic<uint64_t> answered_{0};
  std::string remote_;
  bool keep_alive_ = false;
  bool linger_ = false;  // the last answer was a rejection: drain, then close
  unsigned version_ = 11;
  uint64_t requests_served_ = 0;
  // Streamed response (StartStream); the connection ends with it.
  std::shared_ptr<StreamState> stream_state_;
  std::string stream_pending_head_;
  std::string stream_out_;  // being written
  bool stream_chunked_ = true;
  bool stream_writing_ = false;
  bool stream_done_ = false;
};

// The server's TLS context: TLS 1.2 and later, the certificate chain and its private key (PEM).
Result<std::unique_ptr<ssl::context>> MakeTlsContext(const HttpServerOptions& options) {
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_server);
  beast::error_code ec;
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                       ssl::context::single_dh_use,
                   ec);
  if (ec) return Internal("TLS options: " + ec.message());
  SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
  ctx->use_certificate_chain_file(options.tls_certificate_file, ec);
  if (ec) {
    return InvalidArgument("TLS certificate " + options.tls_certificate_file + ": " + ec.message());
  }
  ctx->use_private_key_file(options.tls_private_key_file, ssl::context::pem, ec);
  if (ec) {
    return InvalidArgument("TLS private key " + options.tls_private_key_file + ": " + ec.message());
  }
  if (SSL_CTX_check_private_key(ctx->native_handle()) != 1) {
    return InvalidArgument("TLS private key " + options.tls_private_key_file +
                           " does not match the certificate " + options.tls_certificate_file);
  }
  return ctx;
}

// Accepts connections on its own strand; each connection gets a fresh strand.
class Listener : public std::enable_shared_from_this<Listener> {
 public:
  explicit Listener(std::shared_ptr<ServerState> state)
      : state_(std::move(state)),
        acceptor_(asio::make_strand(state_->ioc)),
        retry_timer_(acceptor_.get_executor()) {}

  Status Open(const tcp::endpoint& endpoint) {
    beast::error_code ec;
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec)
      return Unavailable("cannot listen on " + EndpointString(endpoint) + ": " + ec.message());
    return Status::Ok();
  }

  uint16_t port() const {
    beast::error_code ec;
    return acceptor_.local_endpoint(ec).port();
  }

  void Accept() {
    acceptor_.async_accept(asio::make_strand(state_->ioc),
                           [self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
                             self->OnAccept(ec, std::move(socket));
                           });
  }

  void PostClose() {
    asio::post(acceptor_.get_executor(), [self = shared_from_this()] {
      beast::error_code ec;
      self->acceptor_.close(ec);
      self->retry_timer_.cancel();
    });
  }

 private:
  void OnAccept(beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (ec) {
      // Typically EMFILE: back off briefly instead of spinning on a failing accept.
      spdlog::warn("http: accept failed: {}", ec.message());
      retry_timer_.expires_after(std::chrono::milliseconds(50));
      retry_timer_.async_wait([self = shared_from_this()](beast::error_code wait_ec) {
        if (!wait_ec) self->Accept();
      });
      return;
    }
    if (state_->connections.load() >= state_->options.max_connections) {
      beast::error_code ignored;
      socket.close(ignored);
    } else {
      if (state_->tls) {
        std::make_shared<Session<TlsStream>>(state_, std::move(socket))->Start();
      } else {
        std::make_shared<Session<beast::tcp_stream>>(state_, std::move(socket))->Start();
      }
    }
    Accept();
  }

  std::shared_ptr<ServerState> state_;
  tcp::acceptor acceptor_;
  asio::steady_timer retry_timer_;
};

}  // namespace

struct HttpServer::Impl {
  std::shared_ptr<ServerState> state;
  std::shared_ptr<Listener> listener;
  std::vector<std::thread> threads;
  uint16_t port = 0;
  bool stopped = false;
};

HttpServer::HttpServer(HttpServerOptions options, HttpHandler handler) : impl_(new Impl) {
  impl_->state = std::make_shared<ServerState>(std::move(options), std::move(handler));
}

HttpServer::~HttpServer() { Stop(); }

Status HttpServer::Start() {
  auto& state = *impl_->state;
  auto host_port = ParseHostPort(state.options.listen);
  if (!host_port.ok()) return host_port.status();
  const auto& [host, port] = *host_port;
  if (state.options.tls_certificate_file.empty() != state.options.tls_private_key_file.empty()) {
    return InvalidArgument("TLS needs both a certificate file and a private key file");
  }
  if (!state.options.tls_certificate_file.empty()) {
    auto tls = MakeTlsContext(state.options);
    if (!tls.ok()) return tls.status();
    state.tls = std::move(tls).value();
  }

  beast::error_code ec;
  tcp::resolver resolver(state.ioc);
  auto results = resolver.resolve(host, std::to_string(port), tcp::resolver::passive, ec);
  if (ec || results.empty()) {
    return Unavailable("cannot resolve listen address " + state.options.listen + ": " +
                       ec.message());
  }
  auto listener = std::make_shared<Listener>(impl_->state);
  RS_RETURN_IF_ERROR(listener->Open(results.begin()->endpoint()));
  impl_->port = listener->port();
  listener->Accept();
  impl_->listener = std::move(listener);

  int threads = state.options.threads;
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  for (int i = 0; i < threads; ++i) {
    impl_->threads.emplace_back([s = impl_->state] { s->ioc.run(); });
  }
  return Status::Ok();
}

uint16_t HttpServer::port() const { return impl_->port; }

void HttpServer::StopAccepting() {
  if (impl_->stopped || !impl_->listener) return;
  impl_->listener->PostClose();
}

void HttpServer::Stop() {
  if (impl_->stopped) return;
  impl_->stopped = true;
  // Never started: nothing runs the io_context, so nothing may be posted to it (a queued handler
  // would keep the state alive through a reference cycle).
  if (impl_->threads.empty()) return;
  auto& state = *impl_->state;
  std::vector<std::shared_ptr<SessionBase>> sessions;
  {
    std::lock_guard lock(state.mu);
    state.stopped = true;
    for (auto& [ptr, weak] : state.sessions) {
      if (auto s = weak.lock()) sessions.push_back(std::move(s));
    }
  }
  // Closing the acceptor and every socket aborts all pending operations, so the io_context runs
  // out of work and the threads return. Sessions still waiting for a Responder hold no pending
  // operation; their Responders are no-ops from now on.
  if (impl_->listener) impl_->listener->PostClose();
  for (auto& s : sessions) s->PostClose();
  sessions.clear();
  for (auto& t : impl_->threads) t.join();
  impl_->threads.clear();
  // A handler queued just as the last operation finished finds no thread left to run it and
  // would keep its session (and through it this state) alive forever; run such stragglers here.
  const size_t stragglers = (state.ioc.restart(), state.ioc.poll());
  if (stragglers > 0) spdlog::debug("http: ran {} handlers after stop", stragglers);
  impl_->listener.reset();
}

ResponseBatch::ResponseBatch() : outermost_(!std::exchange(open_response_batch.open, true)) {}

ResponseBatch::~ResponseBatch() {
  if (!outermost_) return;
  open_response_batch.open = false;
  std::vector<HeldResponse> held;
  held.swap(open_response_batch.held);
  // One post per server (nearly always one), each server's answers in the order given. The
  // posted handlers hold sessions only, not the server.
  std::vector<std::pair<std::shared_ptr<ServerState>, std::vector<HeldResponse>>> by_server;
  for (HeldResponse& h : held) {
    auto it = std::find_if(by_server.begin(), by_server.end(),
                           [&](const auto& entry) { return entry.first == h.server; });
    if (it == by_server.end()) it = by_server.insert(it, {h.server, {}});
    h.server.reset();
    it->second.push_back(std::move(h));
  }
  for (auto& [server, mine] : by_server) {
    std::lock_guard lock(server->mu);
    if (server->stopped) continue;  // server stopping: the connections are being closed
    asio::post(server->ioc, [mine = std::move(mine)]() mutable {
      for (HeldResponse& h : mine) h.session->WriteFromIoThread(std::move(h.response));
    });
  }
}

Result<std::pair<std::string, uint16_t>> ParseHostPort(std::string_view text) {
  std::string_view host;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    const size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return InvalidArgument("expected [ipv6]:port, got '" + std::string(text) + "'");
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    const size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      return InvalidArgument("expected host:port, got '" + std::string(text) + "'");
    }
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) {
      return InvalidArgument("IPv6 addresses need brackets: '" + std::string(text) + "'");
    }
  }
  if (host.empty()) return InvalidArgument("empty host in '" + std::string(text) + "'");
  unsigned value = 0;
  const auto [end, err] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || err != std::errc() || end != port.data() + port.size() || value > 65535) {
    return InvalidArgument("bad port in '" + std::string(text) + "'");
  }
  return std::pair<std::string, uint16_t>(std::string(host), static_cast<uint16_t>(value));
}

}  // namespace roadsense::net
