// RedisStreamsPeer: Redis Streams through hiredis. A batch is 10 XADDs pipelined in one write
// (one round trip; Redis appends them to the AOF and, with `appendfsync always`, fsyncs before
// it writes any reply); receive is XREADGROUP COUNT n BLOCK ms with one consumer per connection;
// delete is XACK + XDEL pipelined (SQS's DeleteMessage removes the message; XACK alone would keep
// it in the stream). The server must run with `appendonly yes` and `appendfsync always`.
#pragma once

#include <hiredis/hiredis.h>

#include <memory>
#include <string>

#include "bench/peers/peer_system.h"

namespace roadsense::bench {

class RedisStreamsPeer : public PeerSystem {
 public:
  RedisStreamsPeer(std::string host, int port);
  ~RedisStreamsPeer() override;
  std::string name() const override { return "redis"; }
  std::string durability() const override {
    return "XADD, XREADGROUP, XACK+XDEL: AOF fsync before the reply (appendfsync always)";
  }
  // A stream `queue` with consumer group "bench" (XGROUP CREATE … MKSTREAM).
  Status CreateQueue(const std::string& queue) override;
  Result<std::unique_ptr<PeerConnection>> Connect() override;
  Status DropQueue() override;
  // Redis counts no fsyncs (INFO persistence has none); the kernel-side count is used instead.
  std::optional<uint64_t> NativeFsyncs() override { return std::nullopt; }

 private:
  Result<redisContext*> Control();

  const std::string host_;
  const int port_;
  redisContext* control_ = nullptr;
  std::string stream_;
  int next_consumer_ = 0;
};

}  // namespace roadsense::bench
