// UnpackBody: the uploads of a packed queue message body (base64 of QueuedUploads), byte for byte
// as they were packed: the framing is read directly, nothing is re-serialized, so a test can check
// that every upload arrived byte-identical. For receiver tests.
#pragma once

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/base64.h"
#include "schema/roadsense.pb.h"

namespace roadsense::receiver::testing {

// nullopt unless `body` is base64 of QueuedUploads.uploads elements and nothing else.
inline std::optional<std::vector<std::string>> UnpackBody(std::string_view body) {
  using google::protobuf::internal::WireFormatLite;
  std::optional<std::string> bytes = Base64Decode(body);
  if (!bytes) return std::nullopt;
  google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(bytes->data()),
                                            static_cast<int>(bytes->size()));
  std::vector<std::string> uploads;
  for (uint32_t tag = in.ReadTag(); tag != 0; tag = in.ReadTag()) {
    uint32_t length = 0;
    std::string upload;
    if (tag != WireFormatLite::MakeTag(v1::QueuedUploads::kUploadsFieldNumber,
                                       WireFormatLite::WIRETYPE_LENGTH_DELIMITED) ||
        !in.ReadVarint32(&length) || !in.ReadString(&upload, static_cast<int>(length))) {
      return std::nullopt;
    }
    uploads.push_back(std::move(upload));
  }
  if (!in.ConsumedEntireMessage()) return std::nullopt;
  return uploads;
}

}  // namespace roadsense::receiver::testing
