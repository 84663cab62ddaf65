// Queue message bodies for worker tests, in both forms a worker decodes (schema/README.md, "SQS
// message body"): packed, as the receiver writes it, and legacy, as older receivers did.
#pragma once

#include <string>
#include <vector>

#include "core/base64.h"
#include "schema/roadsense.pb.h"

namespace roadsense::worker::testing {

// Base64 of a QueuedUploads holding `uploads`.
inline std::string PackedBody(const std::vector<v1::QueuedBatch>& uploads) {
  v1::QueuedUploads packed;
  for (const v1::QueuedBatch& u : uploads) *packed.add_uploads() = u;
  return Base64Encode(packed.SerializeAsString());
}

// Base64 of one QueuedBatch.
inline std::string LegacyBody(const v1::QueuedBatch& upload) {
  return Base64Encode(upload.SerializeAsString());
}

}  // namespace roadsense::worker::testing
