// SqsQueueDepth: reads a queue's depth (visible, in-flight, delayed messages) over the SQS API —
// GetQueueAttributes ApproximateNumberOfMessages, ApproximateNumberOfMessagesNotVisible,
// ApproximateNumberOfMessagesDelayed — for DrainWaiter. Works against roadsense-queue and Amazon
// SQS (credentials and region as sqs::SqsClient takes them from the environment). Kept out of
// the simulator library, like the HTTP uploader, so that the library does not need net/.
// Thread-safe (SqsClient is).
#pragma once

#include <memory>
#include <string>

#include "core/status.h"
#include "simulator/drain_waiter.h"

namespace roadsense::simulator {

class SqsQueueDepth {
 public:
  // Fails (kInvalidArgument) on a URL the SQS client cannot use.
  static Result<QueueDepthReader> ReaderFor(const std::string& queue_url);
};

}  // namespace roadsense::simulator
