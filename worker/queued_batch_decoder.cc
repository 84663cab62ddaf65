#include "worker/queued_batch_decoder.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>

#include <cstdint>
#include <limits>
#include <string>

#include "core/base64.h"

namespace roadsense::worker {
namespace {

using google::protobuf::internal::WireFormatLite;

// Whether `bytes` starts with the tag of QueuedUploads.uploads (a packed body): field 16,
// length-delimited. A legacy QueuedBatch starts with field 1, 2 or 3; an empty or truncated start
// is not packed. Field 16 with another wire type is not an upload either: the parser would keep
// it as an unknown field and return a QueuedUploads without uploads.
bool IsPacked(std::string_view bytes) {
  google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(bytes.data()),
                                            static_cast<int>(bytes.size()));
  return in.ReadTag() == WireFormatLite::MakeTag(v1::QueuedUploads::kUploadsFieldNumber,
                                                 WireFormatLite::WIRETYPE_LENGTH_DELIMITED);
}

// "<path>: <ms> is outside <min>..<max> ...", as the receiver's validator words a field's range.
Status TimeOutOfRange(const std::string& path, int64_t ms) {
  return InvalidArgument(path + ": " + std::to_string(ms) + " is outside " +
                         std::to_string(kMinUploadTimeMs) + ".." +
                         std::to_string(kMaxUploadTimeMs) + " (epoch ms, years 1970..9999)");
}

// The times the worker computes with (tile_aggregator.h) and files the upload under (BatchTimeMs).
// Paths are built only for the error: this runs for every report.
Status CheckTimes(const v1::ReportBatch& batch) {
  if (batch.reports().empty()) {
    const int64_t sent = batch.envelope().sent_time_ms();
    if (IsUploadTime(sent)) return Status::Ok();
    return TimeOutOfRange("envelope.sent_time_ms (an upload without reports)", sent);
  }
  for (int i = 0; i < batch.reports_size(); ++i) {
    const int64_t observed = batch.reports(i).observed_time_ms();
    if (!IsUploadTime(observed)) {
      return TimeOutOfRange("reports[" + std::to_string(i) + "].observed_time_ms", observed);
    }
  }
  return Status::Ok();
}

Status CheckUpload(const v1::QueuedBatch& queued) {
  if (!queued.has_batch() || !queued.batch().has_envelope()) {
    return InvalidArgument("QueuedBatch has no batch envelope");
  }
  const v1::Envelope& envelope = queued.batch().envelope();
  if (envelope.vehicle_pseudonym().empty()) return InvalidArgument("empty vehicle_pseudonym");
  if (envelope.batch_sequence() == 0 ||
      envelope.batch_sequence() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return InvalidArgument("batch_sequence out of range: " +
                           std::to_string(envelope.batch_sequence()));
  }
  return CheckTimes(queued.batch());
}

}  // namespace

bool ParseCheckedUploadsInto(std::string_view bytes, v1::QueuedUploads* out) {
  if (IsPacked(bytes)) return out->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()));
  out->Clear();
  return out->add_uploads()->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()));
}

Status DecodeQueuedUploadsInto(std::string_view body, std::string* bytes, v1::QueuedUploads* out) {
  if (!Base64DecodeInto(body, bytes)) return InvalidArgument("body is not valid base64");
  if (bytes->empty()) return InvalidArgument("body is empty: no uploads");
  if (!ParseCheckedUploadsInto(*bytes, out)) {
    return InvalidArgument(IsPacked(*bytes) ? "body is not a QueuedUploads"
                                            : "body is not a QueuedBatch");
  }
  for (int i = 0; i < out->uploads_size(); ++i) {
    if (Status s = CheckUpload(out->uploads(i)); !s.ok()) {
      if (out->uploads_size() == 1) return s;
      return InvalidArgument("upload " + std::to_string(i + 1) + " of " +
                             std::to_string(out->uploads_size()) + ": " + s.message());
    }
  }
  return Status::Ok();
}

Status DecodeQueuedUploadsInto(std::string_view body, v1::QueuedUploads* out) {
  std::string bytes;
  return DecodeQueuedUploadsInto(body, &bytes, out);
}

Result<v1::QueuedUploads> DecodeQueuedUploads(std::string_view body) {
  v1::QueuedUploads uploads;
  RS_RETURN_IF_ERROR(DecodeQueuedUploadsInto(body, &uploads));
  return uploads;
}

}  // namespace roadsense::worker
