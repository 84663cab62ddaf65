// SQS message validity rules shared by SendMessage and SendMessageBatch (sqs-api.md, "Limits").
// Each returns OK or an SQS error Status (sqs_error.h).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/status.h"
#include "sqs/message_attributes.h"

namespace roadsense::queue {

// Non-empty, valid UTF-8, only #x9 #xA #xD #x20-#xD7FF #xE000-#xFFFD #x10000-#x10FFFF.
Status ValidateMessageBody(std::string_view body);
// <= 10 attributes; names <= 256 chars of [A-Za-z0-9_.-], no AWS./Amazon. prefix, no leading,
// trailing or double '.'; data type String|Number|Binary with optional ".suffix"; exactly the
// value field its type calls for.
Status ValidateMessageAttributes(const sqs::MessageAttributes& attributes);
// `text` with each character ValidateMessageBody refuses (a malformed UTF-8 sequence: per byte;
// a control character) replaced by U+FFFD. Error messages quote untrusted input, and the JSON and
// XML they are rendered in must stay well-formed (found by fuzz/sqs_json_fuzzer.cc).
std::string ReplaceInvalidCharacters(std::string_view text);
// Size SQS counts against MaximumMessageSize: body plus attribute names, types and values.
size_t MessageSize(std::string_view body, const sqs::MessageAttributes& attributes);

}  // namespace roadsense::queue
