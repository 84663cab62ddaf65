// QueueSender: the one thing BatchingEnqueuer needs from a queue — send up to 10 messages in one
// SendMessageBatch call. The seam between batching logic and the SQS client: SqsQueueSender
// implements it over sqs::SqsClient; tests use a fake.
//
// Contract: SendBatch() is called concurrently from several sender threads, so implementations
// must be thread-safe. It blocks until the queue answered. An error Status means no entry is
// known to be stored; otherwise each entry id appears in `successful` (stored durably) or
// `failed`. An id missing from both is treated as failed by the caller.
#pragma once

#include <vector>

#include "core/status.h"
#include "sqs/sqs_client.h"

namespace roadsense::receiver {

class QueueSender {
 public:
  virtual ~QueueSender() = default;
  virtual Result<sqs::SendBatchResult> SendBatch(const std::vector<sqs::SendEntry>& entries) = 0;
};

}  // namespace roadsense::receiver
