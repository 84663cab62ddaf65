#include "queue/sqs_api.h"

#include <boost/json.hpp>
#include <chrono>

#include "queue/form_params.h"
#include "queue/message_id.h"
#include "queue/sqs_actions.h"
#include "queue/sqs_call.h"
#include "queue/sqs_error.h"
#include "queue/sqs_json_codec.h"
#include "queue/sqs_query_codec.h"

namespace roadsense::queue {
namespace {

namespace json = boost::json;

// SenderId without authentication: the access key of a SigV4 Authorization header
// ("... Credential=AKID/..."), else "".
std::string SenderIdOf(const net::HttpRequest& request) {
  const std::string_view auth = request.Header("Authorization");
  const size_t at = auth.find("Credential=");
  if (at == std::string_view::npos) return "";
  const std::string_view rest = auth.substr(at + 11);
  return std::string(rest.substr(0, rest.find('/')));
}

// The peer's address without the port: "1.2.3.4:5" → "1.2.3.4", "[::1]:5" → "::1".
std::string SourceIp(std::string_view remote) {
  if (remote.starts_with('[')) {
    const size_t end = remote.find(']');
    return std::string(remote.substr(1, end == std::string_view::npos ? end : end - 1));
  }
  const size_t colon = remote.rfind(':');
  if (colon != std::string_view::npos && remote.find(':') == colon) {
    return std::string(remote.substr(0, colon));
  }
  return std::string(remote);
}

// Prometheus text exposition format 0.0.4: benchmarks divide records by fsyncs to report how
// well group commit batches.
std::string MetricsText(const EngineStats& stats) {
  return "# HELP roadsense_queue_wal_fsyncs_total WAL fdatasync calls since start.\n"
         "# TYPE roadsense_queue_wal_fsyncs_total counter\n"
         "roadsense_queue_wal_fsyncs_total " +
         std::to_string(stats.fsyncs) +
         "\n"
         "# HELP roadsense_queue_wal_records_total WAL records made durable since start.\n"
         "# TYPE roadsense_queue_wal_records_total counter\n"
         "roadsense_queue_wal_records_total " +
         std::to_string(stats.records) +
         "\n"
         "# HELP roadsense_queue_body_memory_bytes Bytes of message bodies held in memory.\n"
         "# TYPE roadsense_queue_body_memory_bytes gauge\n"
         "roadsense_queue_body_memory_bytes " +
         std::to_string(stats.body_bytes_in_memory) +
         "\n"
         "# HELP roadsense_queue_body_reads_total Message bodies read back from the WAL.\n"
         "# TYPE roadsense_queue_body_reads_total counter\n"
         "roadsense_queue_body_reads_total " +
         std::to_string(stats.body_reads) + "\n";
}

net::HttpResponse QueryResponse(int status, std::string xml, std::string_view request_id) {
  auto response = net::HttpResponse::Text(status, std::move(xml));
  response.SetHeader("Content-Type", "text/xml");
  response.SetHeader("x-amzn-RequestId", std::string(request_id));
  return response;
}

}  // namespace

SqsApi::SqsApi(QueueEngine* engine, SqsApiOptions options)
    : engine_(engine),
      options_(std::move(options)),
      move_tasks_(std::make_unique<MessageMoveTasks>(engine)) {
  SetBaseUrl(options_.base_url);
}

SqsApi::~SqsApi() = default;

void SqsApi::SetBaseUrl(std::string base_url) {
  base_url_.store(std::make_shared<const std::string>(std::move(base_url)));
}

std::string SqsApi::AccountOf(const std::string& name) const {
  auto owner = engine_->GetQueueOwner(name);
  return owner.ok() && !owner->empty() ? *owner : options_.account_id;
}

std::string SqsApi::QueueUrl(const std::string& name) const {
  return *base_url_.load() + "/" + AccountOf(name) + "/" + name;
}

std::string SqsApi::QueueArn(const std::string& name) const {
  // Appended into one allocation: every authorized request builds its queue's ARN.
  constexpr std::string_view kPrefix = "arn:aws:sqs:";
  const std::string account = AccountOf(name);
  std::string arn;
  arn.reserve(kPrefix.size() + options_.region.size() + account.size() + name.size() + 2);
  arn.append(kPrefix).append(options_.region).append(1, ':').append(account).append(1, ':');
  arn.append(name);
  return arn;
}

std::string SqsApi::QueueNameFromArn(std::string_view arn) const {
  const std::string prefix = "arn:aws:sqs:" + options_.region + ":";
  if (!arn.starts_with(prefix)) return "";
  const std::string_view rest = arn.substr(prefix.size());
  const size_t colon = rest.find(':');
  if (colon == std::string_view::npos) return "";
  const std::string name(rest.substr(colon + 1));
  if (name.empty() || name.find(':') != std::string::npos) return "";
  return rest.substr(0, colon) == AccountOf(name) ? name : std::string();
}

void SqsApi::Handle(net::HttpRequest&& request, net::Responder respond) {
  // Held by value (not a std::string of 36 characters): the call and its finish copy it.
  const FixedText<36> request_id = MessageId::Random().ToText();
  if (request.method == "GET" && request.Path() == "/healthz") {
    auto response = net::HttpResponse::Text(200, "ok\n");
    response.SetHeader("x-amzn-RequestId", request_id.str());
    return respond(std::move(response));
  }
  if (request.method == "GET" && request.Path() == "/metrics") {
    auto response = net::HttpResponse::Text(200, MetricsText(engine_->stats()));
    response.SetHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    response.SetHeader("x-amzn-RequestId", request_id.str());
    return respond(std::move(response));
  }

  // Protocol: an X-Amz-Target (or a JSON content type) means AWS JSON 1.0, anything else Query.
  const std::string_view target = request.Header("X-Amz-Target");
  const bool json_protocol =
      !target.empty() || request.Header("Content-Type").find("json") != std::string_view::npos;
  auto call = std::make_shared<SqsCall>(json_protocol ? request.body.size() : 0);
  call->api = this;
  call->engine = engine_;
  call->request_id = request_id;
  FormParams params;
  Status params_status = Status::Ok();
  if (json_protocol) {
    constexpr std::string_view kPrefix = "AmazonSQS.";
    if (target.starts_with(kPrefix)) call->action = std::string(target.substr(kPrefix.size()));
    call->finish = [respond = std::move(respond), request_id](Result<SqsCall::Output> r) {
      if (r.ok()) {
        if (auto* text = std::get_if<std::string>(&*r)) {
          return respond(JsonResponse(std::move(*text), request_id.view()));
        }
        return respond(JsonResponse(std::get<json::object>(*r), request_id.view()));
      }
      std::string message;
      const SqsErrorInfo& info = InfoOf(SqsErrorCodeOf(r.status(), &message));
      respond(JsonError(info, message, request_id.view()));
    };
  } else {
    params_status = ParseFormParams(request.Query(), &params);
    if (params_status.ok() && request.method == "POST") {
      params_status = ParseFormParams(request.body, &params);
    }
    if (const std::string* a = FindFormParam(params, "Action")) call->action = *a;
    call->finish = [respond = std::move(respond), request_id,
                    action = call->action](Result<SqsCall::Output> r) {
      if (r.ok()) {
        // Output written as JSON text: Query renders from its parse (not a hot path).
        if (auto* text = std::get_if<std::string>(&*r)) {
          boost::system::error_code ec;
          json::value v = json::parse(*text, ec);
          r = !ec && v.is_object() ? Result<SqsCall::Output>(std::move(v.get_object()))
                                   : Internal("action output is not a JSON object");
        }
      }
      if (r.ok()) {
        return respond(QueryResponse(
            200, EncodeQueryResponse(action, std::get<json::object>(*r), request_id.view()),
            request_id.view()));
      }
      std::string message;
      const SqsErrorInfo& info = InfoOf(SqsErrorCodeOf(r.status(), &message));
      respond(QueryResponse(info.http_status, EncodeQueryError(info, message, request_id.view()),
                            request_id.view()));
    };
  }

  // Authentication comes first: an unauthenticated caller learns nothing, not even whether the
  // action exists.
  const auto now = std::chrono::system_clock::now();
  if (options_.authenticator != nullptr) {
    auto caller = options_.authenticator->Authenticate(request, now);
    if (!caller.ok()) return call->Fail(caller.status());
    call->caller = std::move(*caller);
    if (call->caller.account_id.empty()) call->caller.account_id = options_.account_id;
  } else {
    call->caller = {"", options_.account_id, "*"};
  }

  if (!json_protocol && call->action.empty()) {
    return call->Fail(SqsError(SqsErrorCode::kMissingParameter,
                               "The request must contain the parameter Action."));
  }
  const SqsAction action = FindSqsAction(call->action);
  if (action == nullptr || (json_protocol && request.method != "POST")) {
    return call->Fail(SqsError(SqsErrorCode::kInvalidAction,
                               "The action " + call->action + " is not valid for this endpoint."));
  }
  if (json_protocol && options_.read_batch_input_directly &&
      (call->batch_input = ReadSqsBatchInput(call->action, request.body))) {
    batch_inputs_read_directly_.fetch_add(1, std::memory_order_relaxed);
  } else if (json_protocol) {
    auto input = DecodeJsonInput(request.body, call->input.storage());
    if (!input.ok()) return call->Fail(input.status());
    call->input = std::move(*input);
  } else {
    if (!params_status.ok()) {
      return call->Fail(
          SqsError(SqsErrorCode::kInvalidParameterValue, std::string(params_status.message())));
    }
    auto input = DecodeQueryInput(call->action, params);
    if (!input.ok()) return call->Fail(input.status());
    call->input = std::move(*input);
    // POSTed to the queue URL itself: the path names the queue.
    if (request.Path() != "/" && !call->input.contains("QueueUrl") &&
        SqsActionTakesQueueUrl(call->action)) {
      call->input["QueueUrl"] = *base_url_.load() + std::string(request.Path());
    }
  }

  // A batch input read directly has every required member (QueueUrl, Entries).
  if (const std::string missing =
          call->batch_input ? std::string() : MissingRequiredMember(call->action, call->input);
      !missing.empty()) {
    return call->Fail(SqsError(SqsErrorCode::kMissingParameter,
                               "The request must contain the parameter " + missing + "."));
  }

  if (options_.authorizer != nullptr) {
    const std::string queue = TargetQueueOf(*call);
    std::string policy;
    if (!queue.empty()) {
      if (auto p = engine_->GetSetQueueAttribute(queue, "Policy"); p.ok()) policy = std::move(*p);
    }
    const RequestContext context{SourceIp(request.remote_address), request.secure, now};
    Status allowed = options_.authorizer->Authorize(
        call->caller, call->action, queue.empty() ? "" : QueueArn(queue), policy, context);
    if (!allowed.ok()) return call->Fail(allowed);
  }

  call->sender_id = call->caller.access_key_id;
  if (call->sender_id.empty()) call->sender_id = SenderIdOf(request);
  if (call->sender_id.empty()) call->sender_id = options_.account_id;
  action(call);
}

}  // namespace roadsense::queue
