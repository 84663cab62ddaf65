// ReceiptHandle: what a receiver needs to delete a message or change its visibility. Opaque to
// clients: "R<base64url of message id (16 bytes), receive token (8 bytes), crc32c (4 bytes)>".
// The leading "R" keeps a handle from starting with '-' (base64url's 62), which command-line
// clients such as the AWS CLI would take for an option; handles issued without it (before
// 2026-11-26) still decode.
// The token identifies one particular receive of the message; the CRC lets the server reject
// strings it never issued (ReceiptHandleIsInvalid) instead of looking them up.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/fixed_text.h"
#include "queue/message_id.h"

namespace roadsense::queue {

struct ReceiptHandle {
  MessageId message_id;
  uint64_t receive_token = 0;

  static constexpr size_t kTextSize = 41;  // "R" + 40 base64 characters

  std::string Encode() const;
  // Encode()'s characters without an allocation (every received message carries one).
  FixedText<kTextSize> EncodeText() const;
  static std::optional<ReceiptHandle> Decode(std::string_view text);
};

}  // namespace roadsense::queue
