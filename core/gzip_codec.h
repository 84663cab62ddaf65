// gzip (RFC 1952) compression and bounded decompression over zlib, for HTTP
// `Content-Encoding: gzip` bodies.
//
// GzipDecompress never produces more than `max_bytes`: a body that would inflate beyond it
// (a zip bomb, or simply too much data) fails with kResourceExhausted as soon as the limit is
// crossed, without inflating the rest. Corrupt or truncated input fails with kInvalidArgument.
// Concatenated gzip members (allowed by RFC 1952) are decompressed one after another.
// Thread-safe (no shared state).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/status.h"

namespace roadsense {

Result<std::string> GzipDecompress(std::string_view compressed, size_t max_bytes);

// Compresses `data` as a single gzip member (used by tests and clients).
std::string GzipCompress(std::string_view data);

}  // namespace roadsense
