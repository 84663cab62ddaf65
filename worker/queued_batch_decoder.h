// DecodeQueuedBatch: turns an SQS message body (base64 of a serialized roadsense.v1.QueuedBatch,
// see schema/roadsense.proto) back into the batch, and checks what the worker relies on: a
// non-empty vehicle pseudonym and a batch sequence in 1..2^63-1 (it is stored as bigint).
// Anything else is a poison message. Pure functions, thread-safe.
#pragma once

#include <string_view>

#include "core/status.h"
#include "schema/roadsense.pb.h"

namespace roadsense::worker {

// Parses into *out (typically a message on a protobuf Arena, so that a whole receive's batches
// are freed at once). kInvalidArgument (with the reason) for a body that can never be
// processed; *out is then unspecified.
Status DecodeQueuedBatchInto(std::string_view body, v1::QueuedBatch* out);

// The same, into a new value.
Result<v1::QueuedBatch> DecodeQueuedBatch(std::string_view body);

}  // namespace roadsense::worker
