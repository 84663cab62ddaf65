// Decoding of POST /v1/reports bodies into a ReportBatch.
//
// Media types: `application/x-protobuf` (also `application/protobuf`, `application/vnd.google.
// protobuf`) is the binary encoding; `application/json` is protobuf's canonical JSON mapping
// (lowerCamelCase or original field names, int64 as strings or numbers, enums by name). Unknown
// JSON fields are ignored so that newer cars can talk to older receivers, and unknown enum names
// read as the enum's zero value (UNSPECIFIED); in binary, protobuf keeps both as they are.
// Parameters such as `; charset=utf-8` are ignored. Content codings: none/`identity` and `gzip`
// (`x-gzip`).
//
// Errors map to HTTP: kInvalidArgument → 400 (undecodable), kResourceExhausted → 413 (the body,
// after decompression, is larger than max_decoded_bytes). Thread-safe (no shared state).
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

#include "core/status.h"
#include "schema/roadsense.pb.h"

namespace roadsense::receiver {

enum class BodyFormat { kProtobuf, kJson };
enum class BodyEncoding { kIdentity, kGzip };

// nullopt for media types / content codings the receiver does not accept (→ 415).
std::optional<BodyFormat> BodyFormatFromContentType(std::string_view content_type);
std::optional<BodyEncoding> BodyEncodingFromContentEncoding(std::string_view content_encoding);

Result<roadsense::v1::ReportBatch> DecodeReportBatch(BodyFormat format, BodyEncoding encoding,
                                                     std::string_view body,
                                                     size_t max_decoded_bytes);

}  // namespace roadsense::receiver
