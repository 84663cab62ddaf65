// SqsQueueSender: QueueSender over sqs::SqsClient, bound to one queue URL.
// Thread-safe (SqsClient is). The client must outlive the sender.
#pragma once

#include <string>

#include "receiver/queue_sender.h"

namespace roadsense::receiver {

class SqsQueueSender : public QueueSender {
 public:
  SqsQueueSender(sqs::SqsClient* client, std::string queue_url)
      : client_(client), queue_url_(std::move(queue_url)) {}

  Result<sqs::SendBatchResult> SendBatch(const std::vector<sqs::SendEntry>& entries) override {
    return client_->SendMessageBatch(queue_url_, entries);
  }

 private:
  sqs::SqsClient* client_;
  std::string queue_url_;
};

}  // namespace roadsense::receiver
