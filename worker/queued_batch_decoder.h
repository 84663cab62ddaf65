// DecodeQueuedUploads: turns an SQS message body back into the uploads it carries. A body is
// base64 of a serialized roadsense.v1.QueuedUploads (packed: what the receiver writes) or of one
// QueuedBatch (legacy: older receivers, tools preloading a queue); the first tag tells them apart
// (schema/README.md, "SQS message body"). Every upload is checked for what the worker relies on: a
// batch envelope, a non-empty vehicle pseudonym, a batch sequence in 1..2^63-1 (it is stored as
// bigint), and times in kMinUploadTimeMs..kMaxUploadTimeMs: every report's observed_time_ms, and
// for an upload without reports the envelope's sent_time_ms (its BatchTimeMs). A message is the
// unit of poison: when the body or any upload in it fails, the whole message fails. Pure
// functions, thread-safe.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/status.h"
#include "schema/roadsense.pb.h"

namespace roadsense::worker {

// The epoch-ms times an upload may carry: 1970-01-01T00:00:00.001Z .. 9999-12-31T23:59:59.999Z.
// The receiver accepts observed_time_ms only near its clock (--max-report-age-s,
// --max-report-future-s) and sent_time_ms > 0, so what it queued always fits; a time outside is a
// body no receiver wrote. Inside it the worker's arithmetic cannot overflow (time buckets,
// observed_time_ms + ttl_s × 1000 for a hazard's expiry) and every time, expiry included, is a
// valid PostgreSQL timestamptz (outside, the whole group's transaction would fail, every time).
inline constexpr int64_t kMinUploadTimeMs = 1;
inline constexpr int64_t kMaxUploadTimeMs = 253'402'300'799'999;
constexpr bool IsUploadTime(int64_t ms) { return ms >= kMinUploadTimeMs && ms <= kMaxUploadTimeMs; }

// Parses into *out, replacing what it held (a legacy body becomes its only upload). Reusing one
// message for many bodies reuses its sub-messages and strings, so decoding allocates nothing once
// it is warm. kInvalidArgument (with the reason) for a body that can never be processed; *out is
// then unspecified.
Status DecodeQueuedUploadsInto(std::string_view body, v1::QueuedUploads* out);

// The same, with the base64-decoded bytes in *bytes (replaced; its capacity is reused, so one
// buffer for many bodies stops allocating once warm): ParseCheckedUploadsInto(*bytes, ...) gives
// the uploads again without a second base64 pass or checks.
Status DecodeQueuedUploadsInto(std::string_view body, std::string* bytes, v1::QueuedUploads* out);

// Parses bytes that DecodeQueuedUploadsInto has accepted into *out (replacing what it held),
// without checking the uploads again. False only for bytes it never accepted.
bool ParseCheckedUploadsInto(std::string_view bytes, v1::QueuedUploads* out);

// The same, into a new value.
Result<v1::QueuedUploads> DecodeQueuedUploads(std::string_view body);

}  // namespace roadsense::worker
