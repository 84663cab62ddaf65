// PoisonBackoffSeconds: how long an undecodable message stays invisible before its next receive.
//
// base_seconds × 2^(receive count − 1), at most 43,200 s (SQS's 12-hour limit), from the
// message's ApproximateReceiveCount attribute (1 when missing or malformed). Growing, so a poison
// message is not hot-looped while the queue's redrive policy (maxReceiveCount) has not moved it to
// the dead-letter queue yet; without a redrive policy it comes back at most every 12 h until the
// queue's retention period drops it.
#pragma once

#include "sqs/sqs_client.h"

namespace roadsense::worker {

inline constexpr int kMaxVisibilityTimeoutSeconds = 43'200;

int PoisonBackoffSeconds(const sqs::ReceivedMessage& message, int base_seconds);

}  // namespace roadsense::worker
