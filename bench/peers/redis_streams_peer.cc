#include "bench/peers/redis_streams_peer.h"

#include <sys/time.h>

#include <algorithm>

namespace roadsense::bench {
namespace {

constexpr char kGroup[] = "bench";

using ReplyPtr = std::unique_ptr<redisReply, decltype(&freeReplyObject)>;

Result<redisContext*> Open(const std::string& host, int port) {
  const timeval connect_timeout{5, 0};
  redisContext* c = redisConnectWithTimeout(host.c_str(), port, connect_timeout);
  if (c == nullptr) return Unavailable("redis: cannot allocate a context");
  if (c->err) {
    Status s = Unavailable("redis " + host + ":" + std::to_string(port) + ": " + c->errstr);
    redisFree(c);
    return s;
  }
  // Longer than any BLOCK we ask for, so that a timeout means a stuck server.
  const timeval io_timeout{30, 0};
  redisSetTimeout(c, io_timeout);
  return c;
}

// The next pipelined reply; an error reply or a broken connection is an error Status.
Result<ReplyPtr> NextReply(redisContext* c) {
  void* raw = nullptr;
  if (redisGetReply(c, &raw) != REDIS_OK || raw == nullptr) {
    return Unavailable(std::string("redis: ") + (c->err ? c->errstr : "no reply"));
  }
  ReplyPtr reply(static_cast<redisReply*>(raw), freeReplyObject);
  if (reply->type == REDIS_REPLY_ERROR) {
    return Internal("redis: " + std::string(reply->str, reply->len));
  }
  return reply;
}

class RedisConnection : public PeerConnection {
 public:
  RedisConnection(redisContext* c, std::string stream, std::string consumer)
      : c_(c), stream_(std::move(stream)), consumer_(std::move(consumer)) {}
  ~RedisConnection() override { redisFree(c_); }

  Status SendBatch(const std::vector<std::string>& bodies) override {
    for (const std::string& body : bodies) {
      redisAppendCommand(c_, "XADD %b * b %b", stream_.data(), stream_.size(), body.data(),
                         body.size());
    }
    for (size_t i = 0; i < bodies.size(); ++i) {
      auto reply = NextReply(c_);
      if (!reply.ok()) return reply.status();
    }
    return Status::Ok();
  }

  Result<std::vector<PeerMessage>> Receive(int max, std::chrono::milliseconds wait) override {
    const std::string count = std::to_string(max);
    const std::string block = std::to_string(std::max<int64_t>(1, wait.count()));
    const char* argv[] = {"XREADGROUP", "GROUP",         kGroup,  consumer_.c_str(),
                          "COUNT",      count.c_str(),   "BLOCK", block.c_str(),
                          "STREAMS",    stream_.c_str(), ">"};
    redisAppendCommandArgv(c_, 11, argv, nullptr);
    auto reply = NextReply(c_);
    if (!reply.ok()) return reply.status();
    std::vector<PeerMessage> messages;
    const redisReply* r = reply->get();
    if (r->type == REDIS_REPLY_NIL) return messages;  // BLOCK timed out
    // [[stream, [[id, [field, value]], ...]]]
    if (r->type != REDIS_REPLY_ARRAY || r->elements != 1 || r->element[0]->elements != 2) {
      return Internal("redis: unexpected XREADGROUP reply");
    }
    const redisReply* entries = r->element[0]->element[1];
    for (size_t i = 0; i < entries->elements; ++i) {
      const redisReply* entry = entries->element[i];
      if (entry->elements != 2 || entry->element[1]->elements != 2) {
        return Internal("redis: unexpected stream entry");
      }
      const redisReply* value = entry->element[1]->element[1];
      messages.push_back({std::string(value->str, value->len),
                          std::string(entry->element[0]->str, entry->element[0]->len)});
    }
    return messages;
  }

  Status Delete(const std::vector<PeerMessage>& messages) override {
    // XACK stream group id... and XDEL stream id..., pipelined: one round trip, one fsync.
    std::vector<const char*> ack = {"XACK", stream_.c_str(), kGroup};
    std::vector<const char*> del = {"XDEL", stream_.c_str()};
    for (const PeerMessage& m : messages) {
      ack.push_back(m.handle.c_str());
      del.push_back(m.handle.c_str());
    }
    redisAppendCommandArgv(c_, static_cast<int>(ack.size()), ack.data(), nullptr);
    redisAppendCommandArgv(c_, static_cast<int>(del.size()), del.data(), nullptr);
    for (int i = 0; i < 2; ++i) {
      auto reply = NextReply(c_);
      if (!reply.ok()) return reply.status();
    }
    return Status::Ok();
  }

 private:
  redisContext* const c_;
  const std::string stream_;
  const std::string consumer_;
};

}  // namespace

RedisStreamsPeer::RedisStreamsPeer(std::string host, int port)
    : host_(std::move(host)), port_(port) {}

RedisStreamsPeer::~RedisStreamsPeer() {
  if (control_ != nullptr) redisFree(control_);
}

Result<redisContext*> RedisStreamsPeer::Control() {
  if (control_ == nullptr || control_->err) {
    if (control_ != nullptr) redisFree(control_);
    control_ = nullptr;
    auto c = Open(host_, port_);
    if (!c.ok()) return c.status();
    control_ = *c;
  }
  return control_;
}

Status RedisStreamsPeer::CreateQueue(const std::string& queue) {
  auto c = Control();
  if (!c.ok()) return c.status();
  stream_ = queue;
  const char* argv[] = {"XGROUP", "CREATE", stream_.c_str(), kGroup, "$", "MKSTREAM"};
  redisAppendCommandArgv(*c, 6, argv, nullptr);
  auto reply = NextReply(*c);
  return reply.ok() ? Status::Ok() : reply.status();
}

Result<std::unique_ptr<PeerConnection>> RedisStreamsPeer::Connect() {
  auto c = Open(host_, port_);
  if (!c.ok()) return c.status();
  return std::unique_ptr<PeerConnection>(
      std::make_unique<RedisConnection>(*c, stream_, "c" + std::to_string(next_consumer_++)));
}

Status RedisStreamsPeer::DropQueue() {
  auto c = Control();
  if (!c.ok()) return c.status();
  const char* argv[] = {"DEL", stream_.c_str()};
  redisAppendCommandArgv(*c, 2, argv, nullptr);
  auto reply = NextReply(*c);
  return reply.ok() ? Status::Ok() : reply.status();
}

}  // namespace roadsense::bench
