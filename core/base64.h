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
// Base64Decode into *out, replacing its contents and reusing its capacity (one buffer for many
// inputs allocates only when an input is bigger than every earlier one). False when `text` is not
// valid padded base64; *out is then empty.
bool Base64DecodeInto(std::string_view text, std::string* out);
// Base64Decode into `out` (room for `capacity` bytes): the number of bytes decoded, or nullopt
// when `text` is not valid padded base64 or decodes to more than `capacity` bytes.
std::optional<size_t> Base64DecodeTo(std::string_view text, char* out, size_t capacity);

// How Base64DecodeTo decodes: 32 characters at a time in an AVX2 register (translated and
// checked with nibble lookups, packed with two multiply-adds), or one quad at a time through a
// table. The worker decodes every queued body, so the register kernel is used when the CPU has
// it; exposed so that tests check both give the same answer for every input.
enum class Base64Kernel { kAvx2, kTable };
bool Base64KernelSupported(Base64Kernel kernel);
// Base64DecodeTo with `kernel`, which must be supported.
std::optional<size_t> Base64DecodeTo(std::string_view text, char* out, size_t capacity,
                                     Base64Kernel kernel);

}  // namespace roadsense
