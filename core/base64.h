// Standard base64 (RFC 4648 §4, with padding). SQS bodies must be text, so binary payloads
// (protobuf batches) travel base64-encoded.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace roadsense {

std::string Base64Encode(std::string_view bytes);
// nullopt when `text` is not valid padded base64.
std::optional<std::string> Base64Decode(std::string_view text);

}  // namespace roadsense
