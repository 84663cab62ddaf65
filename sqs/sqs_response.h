// SqsResponse: the members of an AWS JSON 1.0 SQS response body that SqsClient reads, parsed
// straight from the text into the client's result types — no JSON tree is built and copied out,
// so a received body is copied once, from the HTTP body into ReceivedMessage::body (unescaped).
//
// Read as the JSON tree SqsClient used to read them (boost::json::parse, then field by field):
// the same parser (Boost.JSON's, default options: UTF-8 checked, depth <= 32, no comments), so the
// same documents are rejected with the same messages; a member of the wrong type reads as absent
// (a string field as "", a map or list as empty, SenderFault as false); an array element that is
// not an object is skipped; a non-string value in a string map is left out; of repeated keys the
// last one counts. Every other member is skipped whatever its shape.
//
// Pure and thread-safe.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "sqs/sqs_client.h"

namespace roadsense::sqs {

struct SqsResponse {
  std::string queue_url;                          // QueueUrl (CreateQueue, GetQueueUrl)
  SendSuccess sent;                               // MessageId, MD5OfMessageBody (SendMessage)
  std::map<std::string, std::string> attributes;  // Attributes (GetQueueAttributes)
  // Messages: MessageId, ReceiptHandle, Body, MD5OfBody, Attributes (ReceiveMessage).
  std::vector<ReceivedMessage> messages;
  // Successful: Id, MessageId, MD5OfMessageBody (the batch actions; Delete and ChangeVisibility
  // answer only Id).
  std::vector<SendSuccess> successful;
  std::vector<BatchFailure> failed;  // Failed: Id, Code, Message, SenderFault
  // Error responses: __type, message and Message (the casing differs between services).
  std::string error_type;
  std::string error_message;
  std::string error_message_capitalized;
};

// Parses `body`; an empty body is an empty response. kInternal ("malformed JSON response: <why>")
// for text that is not JSON or whose top-level value is not an object ("not an object").
Result<SqsResponse> ParseSqsResponse(std::string_view body);
// The same into `*out`, which ends as ParseSqsResponse's result would be (on error: partly
// filled), except that the elements of out->messages and out->successful are reused for the
// entries parsed: their strings keep their storage, so parsing into one response over and over
// allocates little.
Status ParseSqsResponseInto(std::string_view body, SqsResponse* out);

}  // namespace roadsense::sqs
