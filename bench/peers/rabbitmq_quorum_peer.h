// RabbitMqQuorumPeer: a RabbitMQ quorum queue (durable, Raft log fsynced before confirms)
// through librabbitmq-c. Each connection has a publishing channel in confirm mode and a consuming
// channel (basic.consume, manual acks, prefetch = the batch size). A batch is published as
// persistent messages and SendBatch waits for the broker's confirms of all of them (the broker
// confirms a quorum-queue message once it is in the fsynced Raft log); Receive takes up to n
// deliveries, waiting for the first; Delete is one basic.ack with multiple=true (AMQP acks are
// not answered, so the client does not wait for them to be durable — unlike the SQS and Redis
// deletes, which are fsynced before the answer).
#pragma once

#include <memory>
#include <string>

#include "bench/peers/peer_system.h"

namespace roadsense::bench {

class RabbitMqQuorumPeer : public PeerSystem {
 public:
  // User guest/guest on vhost "/"; `prefetch` is basic.qos prefetch_count of each consumer.
  RabbitMqQuorumPeer(std::string host, int port, int prefetch);
  std::string name() const override { return "rabbitmq"; }
  std::string durability() const override {
    return "publish: confirm after the Raft log fsync; consumer ack: not answered, fsynced later";
  }
  // Declares the quorum queue (x-queue-type=quorum, durable).
  Status CreateQueue(const std::string& queue) override;
  Result<std::unique_ptr<PeerConnection>> Connect() override;
  Status DropQueue() override;
  // Not exposed over AMQP; the kernel-side count is used instead.
  std::optional<uint64_t> NativeFsyncs() override { return std::nullopt; }

 private:
  const std::string host_;
  const int port_;
  const int prefetch_;
  std::string queue_;
};

}  // namespace roadsense::bench
