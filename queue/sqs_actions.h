// The 23 SQS actions, once each, for both wire protocols: each takes an SqsCall whose input has
// the AWS JSON 1.0 shape (the Query codec decodes into the same shape), validates it with SQS's
// error codes, runs it on the QueueEngine (or MessageMoveTasks) and completes the call with an
// output of the JSON shape (the Query codec encodes it as XML).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "queue/sqs_call.h"

namespace roadsense::queue {

using SqsAction = void (*)(const std::shared_ptr<SqsCall>&);

// nullptr when `name` is not an SQS action.
SqsAction FindSqsAction(std::string_view name);

// The queue an action acts on, for authorization: the queue named by QueueUrl, QueueName
// (GetQueueUrl), SourceArn or TaskHandle; "" for account-level actions (CreateQueue, ListQueues)
// and when the input names none.
std::string TargetQueueOf(const SqsCall& call);

}  // namespace roadsense::queue
