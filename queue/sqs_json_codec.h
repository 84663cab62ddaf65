// SqsJsonCodec: the AWS JSON 1.0 protocol of SQS (`X-Amz-Target: AmazonSQS.<Action>`, JSON
// bodies). The action layer works on this protocol's shapes directly, so the codec only parses
// the body and renders responses and errors: `__type` "com.amazonaws.sqs#<Shape>", header
// `x-amzn-query-error: <LegacyCode>;Sender|Receiver`, HTTP status per shape (sqs-api.md).
//
// Stateless and thread-safe.
#pragma once

#include <boost/json.hpp>
#include <string_view>

#include "core/status.h"
#include "net/http_message.h"
#include "queue/sqs_error.h"

namespace roadsense::queue {

inline constexpr std::string_view kSqsJsonContentType = "application/x-amz-json-1.0";

// The body as a JSON object ("" counts as {}), allocated from `storage`; InvalidParameterValue
// otherwise.
Result<boost::json::object> DecodeJsonInput(std::string_view body,
                                            boost::json::storage_ptr storage = {});

net::HttpResponse JsonResponse(const boost::json::object& output, std::string_view request_id);
// The same for output already written as JSON text.
net::HttpResponse JsonResponse(std::string output_json, std::string_view request_id);
net::HttpResponse JsonError(const SqsErrorInfo& info, std::string_view message,
                            std::string_view request_id);

}  // namespace roadsense::queue
