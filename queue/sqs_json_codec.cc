#include "queue/sqs_json_codec.h"

#include "queue/message_validation.h"

namespace roadsense::queue {

namespace json = boost::json;

Result<json::object> DecodeJsonInput(std::string_view body, json::storage_ptr storage) {
  boost::system::error_code ec;
  json::value v = json::parse(body.empty() ? std::string_view("{}") : body, ec, std::move(storage));
  if (ec || !v.is_object()) {
    return SqsError(SqsErrorCode::kInvalidParameterValue, "The request body is not a JSON object.");
  }
  return std::move(v.get_object());
}

net::HttpResponse JsonResponse(const json::object& output, std::string_view request_id) {
  return JsonResponse(json::serialize(output), request_id);
}

net::HttpResponse JsonResponse(std::string output_json, std::string_view request_id) {
  // What HttpResponse::Json plus SetHeader give, built in place: one allocation for the headers.
  net::HttpResponse response;
  response.status = 200;
  response.headers.reserve(2);
  response.headers.emplace_back("Content-Type", kSqsJsonContentType);
  response.headers.emplace_back("x-amzn-RequestId", request_id);
  response.body = std::move(output_json);
  return response;
}

net::HttpResponse JsonError(const SqsErrorInfo& info, std::string_view message,
                            std::string_view request_id) {
  json::object body{{"__type", std::string("com.amazonaws.sqs#") + info.shape},
                    {"message", ReplaceInvalidCharacters(message)}};
  auto response = net::HttpResponse::Json(info.http_status, json::serialize(body));
  response.SetHeader("Content-Type", std::string(kSqsJsonContentType));
  response.SetHeader("x-amzn-RequestId", std::string(request_id));
  response.SetHeader("x-amzn-query-error",
                     std::string(info.legacy_code) + (info.sender_fault ? ";Sender" : ";Receiver"));
  return response;
}

}  // namespace roadsense::queue
