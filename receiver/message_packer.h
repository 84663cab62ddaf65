// MessagePacker: decides how the uploads waiting for a send fill one SendMessageBatch call of
// packed messages, and builds those messages' bodies (schema/README.md, "SQS message body").
//
// A packed body is base64 of a serialized roadsense.v1.QueuedUploads: for each upload the tag of
// field 16 (length-delimited), a varint length and the upload's serialized QueuedBatch. Uploads
// arrive serialized, so a body is their concatenation behind those prefixes; nothing is parsed or
// re-serialized.
//
// Filling rule, uploads offered in arrival order: an upload joins the current entry while that
// entry's body stays within max_message_bytes, else it starts the next entry; an upload whose body
// alone exceeds max_message_bytes travels alone. The call is full at the first upload that fits
// neither (max_entries entries, or the bodies' sum over max_batch_bytes); later ones wait too, so
// the arrival order holds. All sizes are base64 characters, as SQS counts them.
//
// Not thread-safe: one per SendMessageBatch call.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace roadsense::receiver {

struct PackingLimits {
  size_t max_entries = 10;               // entries of one SendMessageBatch call (SQS: 10)
  size_t max_message_bytes = 64 * 1024;  // body an entry is filled up to (one SQS billing chunk)
  size_t max_batch_bytes = 1024 * 1024;  // sum of the bodies of one call (SQS: 1 MiB)
};

// Bytes an upload of `serialized_bytes` adds to a packed body before base64: tag, length, bytes.
size_t PackedUploadBytes(size_t serialized_bytes);
// Base64 characters of a packed body that holds just this upload.
size_t PackedBodyBytesAlone(size_t serialized_bytes);
// Appends one serialized QueuedBatch to `packed` as a QueuedUploads.uploads element.
void AppendPackedUpload(std::string_view serialized, std::string* packed);

class MessagePacker {
 public:
  struct Entry {
    size_t uploads = 0;       // consecutive uploads, following the previous entry's
    size_t packed_bytes = 0;  // its body before base64
  };

  explicit MessagePacker(PackingLimits limits) : limits_(limits) {}

  // Offers the next upload (arrival order): true when it was taken into the current or a new
  // entry; false when the call is full (the filling rule above); do not offer more then.
  bool Add(size_t serialized_bytes);

  const std::vector<Entry>& entries() const { return entries_; }
  size_t uploads() const { return uploads_; }
  // Sum of the entries' base64 bodies.
  size_t body_bytes() const { return body_bytes_; }

 private:
  const PackingLimits limits_;
  std::vector<Entry> entries_;
  size_t uploads_ = 0;
  size_t body_bytes_ = 0;
};

}  // namespace roadsense::receiver
