// SqsCall: one SQS request in progress, as the protocol-independent action layer sees it: the
// action's input in the JSON protocol's shape (the Query codec produces the same shape), the
// authenticated caller, and `finish`, which renders the output or error in the request's
// protocol. Shared (std::shared_ptr) between the API and the engine callbacks that complete it.
#pragma once

#include <boost/json.hpp>
#include <functional>
#include <optional>
#include <string>
#include <variant>

#include "core/fixed_text.h"
#include "core/status.h"
#include "queue/request_authenticator.h"
#include "queue/sqs_batch_input.h"

namespace roadsense::queue {

class QueueEngine;
class SqsApi;

struct SqsCall {
  SqsApi* api = nullptr;
  QueueEngine* engine = nullptr;
  std::string action;        // "SendMessage", ...
  FixedText<36> request_id;  // a MessageId's text; by value: copied into every answer
  SqsCall() : SqsCall(0) {}
  // `input_bytes`: the size of the request body the input will be decoded from, so that the
  // arena's first block holds the whole tree (a batch's bodies are copied in): one allocation
  // instead of a doubling series. The 2 KiB cover the node overhead of batches of short
  // entries: a DeleteMessageBatch of ten handles (about 750 bytes of JSON) needs about 2 KiB
  // of nodes, and with 1 KiB its tree spilled into a second block.
  explicit SqsCall(size_t input_bytes) : arena_(input_bytes + input_bytes / 4 + 2048) {}
  SqsCall(const SqsCall&) = delete;
  SqsCall& operator=(const SqsCall&) = delete;

 private:
  boost::json::monotonic_resource arena_;  // declared before `input`, which lives in it

 public:
  // Lives in one arena per request, freed with the call: a parsed batch is a few hundred small
  // nodes, each otherwise a malloc and a free. The arena is the call's own (not reference
  // counted), so freeing the tree is the arena's release, with no walk of its nodes; a value
  // copied from `input` keeps using the arena and must not outlive the call (copy it into
  // other storage, as assigning into a tree of other storage does). Decode into
  // input.storage() to fill it without a copy (a tree of other storage is copied in on
  // assignment).
  boost::json::object input{boost::json::storage_ptr(&arena_)};
  // Set instead of `input` when a SendMessageBatch or DeleteMessageBatch body was read directly
  // (sqs_batch_input.h); the action then reads its members from here, with the same checks.
  std::optional<SqsBatchInput> batch_input;
  AuthenticatedCaller caller;
  std::string sender_id;  // SenderId of messages sent by this request
  // An action's output in the JSON protocol's shape: a document, or its text written directly
  // (core/json_writer; the hot actions, which so build no tree).
  using Output = std::variant<boost::json::object, std::string>;
  // Renders the result in the request's protocol and answers; called exactly once.
  std::function<void(Result<Output>)> finish;

  void Reply(boost::json::object output) const { finish(Output(std::move(output))); }
  // `output_json` must be a JSON object: the JSON protocol sends it as is, Query parses it.
  void ReplyJson(std::string output_json) const { finish(Output(std::move(output_json))); }
  void Fail(const Status& status) const { finish(status); }
};

}  // namespace roadsense::queue
