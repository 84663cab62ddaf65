#include "worker/queued_batch_decoder.h"

#include <cstdint>
#include <limits>

#include "core/base64.h"

namespace roadsense::worker {

Status DecodeQueuedBatchInto(std::string_view body, v1::QueuedBatch* out) {
  std::optional<std::string> bytes = Base64Decode(body);
  if (!bytes) return InvalidArgument("body is not valid base64");
  if (!out->ParseFromString(*bytes)) return InvalidArgument("body is not a QueuedBatch");
  if (!out->has_batch() || !out->batch().has_envelope()) {
    return InvalidArgument("QueuedBatch has no batch envelope");
  }
  const v1::Envelope& envelope = out->batch().envelope();
  if (envelope.vehicle_pseudonym().empty()) return InvalidArgument("empty vehicle_pseudonym");
  if (envelope.batch_sequence() == 0 ||
      envelope.batch_sequence() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return InvalidArgument("batch_sequence out of range: " +
                           std::to_string(envelope.batch_sequence()));
  }
  return Status::Ok();
}

Result<v1::QueuedBatch> DecodeQueuedBatch(std::string_view body) {
  v1::QueuedBatch queued;
  RS_RETURN_IF_ERROR(DecodeQueuedBatchInto(body, &queued));
  return queued;
}

}  // namespace roadsense::worker
