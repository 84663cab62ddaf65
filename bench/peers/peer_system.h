// PeerSystem / PeerConnection: the one client interface roadsense-bench-peers drives for every
// system it compares (roadsense-queue, Redis Streams, RabbitMQ quorum queues, a PostgreSQL job
// table), so that every system sees the same workload from the same loop and no system wins by a
// better load generator. Each adapter uses the system's ordinary C/C++ client library in its
// cheapest durable way (batches, pipelining, confirms); bench/peers/README.md says how.
//
// Threading: a PeerSystem is used from the driver thread only (CreateQueue, Connect, DropQueue,
// NativeFsyncs). Each client thread owns one PeerConnection and is its only user.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"

namespace roadsense::bench {

struct PeerMessage {
  std::string body;
  std::string handle;  // what Delete needs: receipt handle, stream id, delivery tag, row id
};

class PeerConnection {
 public:
  virtual ~PeerConnection() = default;
  // Sends `bodies` (one batch); returns once the system acknowledged every message.
  virtual Status SendBatch(const std::vector<std::string>& bodies) = 0;
  // Up to `max` messages, waiting up to `wait` for the first; empty when none arrived in time.
  virtual Result<std::vector<PeerMessage>> Receive(int max, std::chrono::milliseconds wait) = 0;
  // Deletes (acknowledges) the messages the last Receive returned.
  virtual Status Delete(const std::vector<PeerMessage>& messages) = 0;
};

class PeerSystem {
 public:
  virtual ~PeerSystem() = default;
  // Short name used in flags and tables: roadsense, redis, rabbitmq, postgres.
  virtual std::string name() const = 0;
  // When the system's answers mean "on disk", e.g. "send, receive, delete: fsync before answer".
  virtual std::string durability() const = 0;
  // Makes a fresh, empty queue named `queue` that later Connect() calls use.
  virtual Status CreateQueue(const std::string& queue) = 0;
  // A new connection (one per client thread) to the current queue.
  virtual Result<std::unique_ptr<PeerConnection>> Connect() = 0;
  // Removes the current queue and what is left in it.
  virtual Status DropQueue() = 0;
  // The server's own count of durable syncs (fsync/fdatasync of its log), when it exposes one.
  virtual std::optional<uint64_t> NativeFsyncs() = 0;
};

}  // namespace roadsense::bench
