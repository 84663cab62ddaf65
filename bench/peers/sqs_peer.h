// SqsPeer: roadsense-queue (or any SQS JSON endpoint) through roadsense's own sqs::SqsClient:
// SendMessageBatch of the batch, ReceiveMessage (long poll, returns as soon as a message is
// there), DeleteMessageBatch. roadsense-queue fsyncs its WAL (group commit) before answering
// each of the three calls.
#pragma once

#include <memory>
#include <string>

#include "bench/peers/peer_system.h"
#include "sqs/sqs_client.h"

namespace roadsense::bench {

class SqsPeer : public PeerSystem {
 public:
  // `endpoint` is e.g. "http://127.0.0.1:9324"; `max_connections` bounds the client's pool
  // (at least the largest concurrency, so every thread keeps its own keep-alive connection).
  SqsPeer(std::string endpoint, int max_connections);
  std::string name() const override { return "roadsense"; }
  std::string durability() const override {
    return "send, receive, delete: WAL fsync (group commit) before the answer";
  }
  Status CreateQueue(const std::string& queue) override;
  Result<std::unique_ptr<PeerConnection>> Connect() override;
  // The SQS client has no DeleteQueue; the drained queue is left behind (it holds only the few
  // messages in flight when the level stopped).
  Status DropQueue() override { return Status::Ok(); }
  // roadsense_queue_wal_fsyncs_total from GET /metrics.
  std::optional<uint64_t> NativeFsyncs() override;

 private:
  std::string endpoint_;
  sqs::SqsClient client_;
  std::string queue_url_;
};

}  // namespace roadsense::bench
