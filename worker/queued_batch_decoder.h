// DecodeQueuedUploads: turns an SQS message body back into the uploads it carries. A body is
// base64 of a serialized roadsense.v1.QueuedUploads (packed: what the receiver writes) or of one
// QueuedBatch (legacy: older receivers, tools preloading a queue); the first tag tells them apart
// (schema/README.md, "SQS message body"). Every upload is checked for what the worker relies on: a
// batch envelope, a non-empty vehicle pseudonym and a batch sequence in 1..2^63-1 (it is stored
// as bigint). A message is the unit of poison: when the body or any upload in it fails, the whole
// message fails. Pure functions, thread-safe.
#pragma once

#include <string_view>

#include "core/status.h"
#include "schema/roadsense.pb.h"

namespace roadsense::worker {

// Parses into *out, which must be empty (typically a message on a protobuf Arena, so that a whole
// receive's uploads are freed at once; a legacy body becomes its only upload). kInvalidArgument
// (with the reason) for a body that can never be processed; *out is then unspecified.
Status DecodeQueuedUploadsInto(std::string_view body, v1::QueuedUploads* out);

// The same, into a new value.
Result<v1::QueuedUploads> DecodeQueuedUploads(std::string_view body);

}  // namespace roadsense::worker
