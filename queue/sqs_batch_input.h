// SqsBatchInput: the AWS JSON 1.0 input of SendMessageBatch and DeleteMessageBatch, read straight
// from the request body with Boost.JSON's event parser (basic_parser) instead of the tree that
// DecodeJsonInput builds: these two actions carry most requests of a full cycle, and building
// the tree (nodes, copies of every string) cost more than reading the few members they have.
//
// Only the common well-formed shape is read: an object with QueueUrl (a string) and Entries (an
// array of 1 to 10 objects), each entry with a string Id and
//   SendMessageBatch:   MessageBody (string), optional DelaySeconds (an integer within int64),
//                       MessageGroupId, MessageDeduplicationId (strings);
//   DeleteMessageBatch: ReceiptHandle (string);
// each member at most once. On anything else (another member, message attributes, another type,
// null, a duplicate key, a missing member, malformed JSON) it declines, and the caller decodes
// the tree from the same bytes: every error stays the tree path's. Values are not validated
// here: the actions check them with the same code whichever way the input was read.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace roadsense::queue {

struct SqsBatchEntryInput {
  std::string id;
  // SendMessageBatch.
  std::string body;
  std::optional<int64_t> delay_seconds;
  std::string group_id;          // "" when absent (as the tree path's OptionalString)
  std::string deduplication_id;  // "" when absent
  // DeleteMessageBatch.
  std::string receipt_handle;
};

struct SqsBatchInput {
  std::string queue_url;
  std::vector<SqsBatchEntryInput> entries;
};

// The input of `action` ("SendMessageBatch" or "DeleteMessageBatch") read from `body`, or
// std::nullopt when the body is not of the shape above (or `action` is another action).
std::optional<SqsBatchInput> ReadSqsBatchInput(std::string_view action, std::string_view body);

}  // namespace roadsense::queue
