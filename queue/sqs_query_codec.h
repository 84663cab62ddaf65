// SqsQueryCodec: the SQS Query protocol (form-encoded `Action=<Action>&Version=2012-11-05&...`
// in, XML out) translated to and from the JSON protocol's shapes, so that one implementation of
// each action (sqs_actions.h) serves both protocols. Driven entirely by SqsQueryModel: lists and
// maps are (un)flattened exactly as botocore's Query serializer and parser do
// (`Attribute.1.Name`, `MessageAttribute.1.Value.StringValue`, `SendMessageBatchRequestEntry.1.Id`,
// `AttributeName.1`, `Tag.1.Key`, `TagKey.1`, ...).
//
// Stateless and thread-safe.
#pragma once

#include <boost/json.hpp>
#include <string>
#include <string_view>

#include "core/status.h"
#include "queue/form_params.h"
#include "queue/sqs_error.h"

namespace roadsense::queue {

inline constexpr std::string_view kSqsXmlNamespace = "http://queue.amazonaws.com/doc/2012-11-05/";

// Whether `action` is one of the 23 SQS actions.
bool IsSqsAction(std::string_view action);
// The first member the model requires of `action`'s input that `input` lacks (absent or null),
// "" when none is missing. Both protocols check it: MissingParameter.
std::string MissingRequiredMember(std::string_view action, const boost::json::object& input);

// Whether the input of `action` has a QueueUrl member (a Query request POSTed to a queue URL
// may leave it out).
bool SqsActionTakesQueueUrl(std::string_view action);

// The input of `action` from its Query parameters, shaped as the JSON protocol sends it: the
// same member names, integers as numbers, booleans as booleans, blobs as base64 strings.
// Parameters the action does not define (Action, Version, X-Amz-*, ...) are ignored.
// InvalidParameterValue for a malformed number or boolean, MissingParameter for a map entry
// without its key.
Result<boost::json::object> DecodeQueryInput(std::string_view action, const FormParams& params);

// `<ActionResponse xmlns=...><ActionResult>output</ActionResult><ResponseMetadata><RequestId>`
// (no Result element for actions without output). `output` has the JSON protocol's shape.
std::string EncodeQueryResponse(std::string_view action, const boost::json::object& output,
                                std::string_view request_id);

// `<ErrorResponse><Error><Type>Sender|Receiver</Type><Code>legacy code</Code><Message>...`.
std::string EncodeQueryError(const SqsErrorInfo& info, std::string_view message,
                             std::string_view request_id);

// Text escaped for XML character data (& < > and CR, which XML parsers would otherwise turn
// into LF and so change message bodies and their MD5).
std::string XmlEscape(std::string_view text);

}  // namespace roadsense::queue
