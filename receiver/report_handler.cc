#include "receiver/report_handler.h"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <chrono>
#include <string>
#include <utility>

#include "core/base64.h"
#include "receiver/error_response.h"
#include "receiver/report_batch_decoder.h"

namespace roadsense::receiver {
namespace {

constexpr std::string_view kReportsPath = "/v1/reports";
constexpr std::string_view kHealthPath = "/healthz";
constexpr size_t kSqsMaxMessageBytes = 1024 * 1024;
// QueuedBatch's own fields and length prefixes around the batch (generous).
constexpr size_t kQueuedBatchOverhead = 256;

size_t Base64Length(size_t n) { return (n + 2) / 3 * 4; }

net::HttpResponse MethodNotAllowed(std::string_view allow) {
  net::HttpResponse r =
      ErrorResponse(405, "method_not_allowed", "this path accepts only " + std::string(allow));
  r.SetHeader("Allow", std::string(allow));
  return r;
}

net::HttpResponse Accepted(int reports, const std::string& pseudonym, uint64_t sequence,
                           const std::string& message_id) {
  boost::json::object body;
  body["accepted"] = reports;
  body["vehicle_pseudonym"] = pseudonym;
  body["batch_sequence"] = sequence;
  body["message_id"] = message_id;
  return net::HttpResponse::Json(200, boost::json::serialize(body));
}

}  // namespace

int64_t SystemNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool MaxBodyBytesFitsQueue(size_t max_body_bytes) {
  return Base64Length(max_body_bytes + kQueuedBatchOverhead) <= kSqsMaxMessageBytes;
}

ReportHandler::ReportHandler(ReportHandlerOptions options, BatchingEnqueuer* enqueuer,
                             ReceiverStats* stats, NowMsFunction now_ms)
    : options_(options),
      validator_(options.limits),
      enqueuer_(enqueuer),
      stats_(stats),
      now_ms_(std::move(now_ms)) {}

void ReportHandler::Handle(net::HttpRequest&& request, net::Responder respond) {
  const std::string_view path = request.Path();
  if (path == kReportsPath) {
    if (request.method != "POST") return respond(MethodNotAllowed("POST"));
    return HandleReports(std::move(request), std::move(respond));
  }
  if (path == kHealthPath) {
    if (request.method != "GET" && request.method != "HEAD") {
      return respond(MethodNotAllowed("GET, HEAD"));
    }
    return respond(net::HttpResponse::Json(200, R"({"status":"ok"})"));
  }
  respond(ErrorResponse(404, "not_found", "no such path: " + std::string(path)));
}

void ReportHandler::Reject(const net::HttpRequest& request, const net::Responder& respond,
                           net::HttpResponse response) {
  stats_->RecordRejected();
  spdlog::debug("{} rejected with {}: {}", request.remote_address, response.status, response.body);
  respond(std::move(response));
}

void ReportHandler::HandleReports(net::HttpRequest&& request, net::Responder respond) {
  if (draining_.load()) {
    stats_->RecordShed();
    return respond(ErrorResponse(503, "shutting_down", "the receiver is shutting down"));
  }
  const std::optional<BodyFormat> format =
      BodyFormatFromContentType(request.Header("Content-Type"));
  if (!format) {
    return Reject(request, respond,
                  ErrorResponse(415, "unsupported_media_type",
                                "Content-Type must be application/x-protobuf or "
                                "application/json"));
  }
  const std::optional<BodyEncoding> encoding =
      BodyEncodingFromContentEncoding(request.Header("Content-Encoding"));
  if (!encoding) {
    return Reject(
        request, respond,
        ErrorResponse(415, "unsupported_media_type", "Content-Encoding must be gzip or absent"));
  }

  Result<v1::ReportBatch> decoded =
      DecodeReportBatch(*format, *encoding, request.body, options_.max_body_bytes);
  if (!decoded.ok()) {
    if (decoded.status().code() == StatusCode::kResourceExhausted) {
      return Reject(request, respond,
                    ErrorResponse(413, "payload_too_large", decoded.status().message()));
    }
    return Reject(request, respond, ErrorResponse(400, "invalid_body", decoded.status().message()));
  }

  const int64_t now_ms = now_ms_();
  std::vector<std::string> problems = validator_.Validate(*decoded, now_ms);
  if (!problems.empty()) {
    return Reject(request, respond,
                  ErrorResponse(400, "invalid_request",
                                "the batch breaks " + std::to_string(problems.size()) +
                                    " rule(s); nothing was accepted",
                                problems));
  }

  const int reports = decoded->reports_size();
  std::string pseudonym = decoded->envelope().vehicle_pseudonym();
  const uint64_t sequence = decoded->envelope().batch_sequence();
  v1::QueuedBatch queued;
  queued.set_received_time_ms(now_ms);
  *queued.mutable_batch() = std::move(*decoded);
  std::string body = Base64Encode(queued.SerializeAsString());

  const auto started = std::chrono::steady_clock::now();
  auto on_enqueued = [stats = stats_, respond, reports, pseudonym = std::move(pseudonym), sequence,
                      started](Result<std::string> message_id) {
    const auto latency = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - started);
    if (message_id.ok()) {
      stats->RecordAccepted(static_cast<uint64_t>(reports), latency);
      respond(Accepted(reports, pseudonym, sequence, *message_id));
    } else {
      stats->RecordFailed(latency);
      respond(ErrorResponse(
          503, "queue_unavailable",
          "the queue did not store the upload; retry it: " + message_id.status().message()));
    }
  };
  Status status = enqueuer_->Enqueue(std::move(body), std::move(on_enqueued));
  if (status.ok()) return;
  switch (status.code()) {
    case StatusCode::kInvalidArgument:  // larger than one queue message
      return Reject(request, respond, ErrorResponse(413, "payload_too_large", status.message()));
    case StatusCode::kResourceExhausted:
      stats_->RecordShed();
      return respond(ErrorResponse(503, "overloaded", status.message()));
    default:
      stats_->RecordShed();
      return respond(ErrorResponse(503, "shutting_down", status.message()));
  }
}

}  // namespace roadsense::receiver
