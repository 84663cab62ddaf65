// Message attributes as SQS defines them, and the MD5 digests SDKs verify.
// Shared by roadsense-queue (which computes digests) and SqsClient (which checks them).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/md5_lanes.h"

namespace roadsense::sqs {

struct MessageAttributeValue {
  std::string data_type;                    // "String", "Number", "Binary", with optional ".suffix"
  std::optional<std::string> string_value;  // String / Number
  std::optional<std::string> binary_value;  // raw bytes (base64-decoded)
  std::vector<std::string> string_list_values;
  std::vector<std::string> binary_list_values;  // raw bytes
};

// Ordered by name in byte order, as the MD5 digest requires.
using MessageAttributes = std::map<std::string, MessageAttributeValue>;

// Lowercase hex MD5 of the body's bytes (MD5OfMessageBody / MD5OfBody).
std::string Md5OfBody(std::string_view body);
// Md5OfBody of each body, in order, by value (no allocation per body): a batch's digests computed
// side by side (core/md5_lanes.h).
std::vector<FixedText<32>> Md5OfBodies(const std::vector<std::string_view>& bodies);

// MD5OfMessageAttributes as SQS computes it (see sqs/message_digest.md); "" for no attributes,
// in which case the field is omitted from responses.
std::string Md5OfMessageAttributes(const MessageAttributes& attributes);

}  // namespace roadsense::sqs
