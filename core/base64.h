// Standard base64 (RFC 4648 §4, with padding). SQS bodies must be text, so binary payloads
// (protobuf batches) travel base64-encoded.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace roadsense {

// Characters of the padded encoding of `bytes` bytes.
constexpr size_t Base64EncodedSize(size_t bytes) { return (bytes + 2) / 3 * 4; }

std::string Base64Encode(std::string_view bytes);
// Base64Encode into `out`, which has room for Base64EncodedSize(bytes.size()) characters: for
// short fixed-size values (receipt handles) built without a heap allocation.
void Base64EncodeTo(std::string_view bytes, char* out);
// nullopt when `text` is not valid padded base64.
std::optional<std::string> Base64Decode(std::string_view text);
// Base64Decode into `out` (room for `capacity` bytes): the number of bytes decoded, or nullopt
// when `text` is not valid padded base64 or decodes to more than `capacity` bytes.
std::optional<size_t> Base64DecodeTo(std::string_view text, char* out, size_t capacity);

}  // namespace roadsense
