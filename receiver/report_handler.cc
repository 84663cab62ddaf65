#include "receiver/report_handler.h"

#include <spdlog/spdlog.h>
#include <strings.h>

#include <boost/json.hpp>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <utility>

#include "core/prometheus_text.h"
#include "receiver/error_response.h"
#include "receiver/message_packer.h"
#include "receiver/report_batch_decoder.h"

namespace roadsense::receiver {
namespace {

constexpr std::string_view kReportsPath = "/v1/reports";
constexpr std::string_view kHealthPath = "/healthz";
constexpr std::string_view kReadyPath = "/readyz";
constexpr std::string_view kMetricsPath = "/metrics";
constexpr size_t kSqsMaxMessageBytes = 1024 * 1024;
// QueuedBatch's own fields and the length prefix around the batch (generous: ~90 bytes with a
// 64-character fleet id). The QueuedUploads tag and length around the QueuedBatch are counted
// exactly by PackedBodyBytesAlone.
constexpr size_t kQueuedBatchOverhead = 256;

constexpr std::string_view kRequestIdHeader = "X-Request-Id";

// Up to 64 characters of [A-Za-z0-9._-]: safe to log and to echo.
bool IsSaneRequestId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') {
      return false;
    }
  }
  return true;
}

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
  return PackedBodyBytesAlone(max_body_bytes + kQueuedBatchOverhead) <= kSqsMaxMessageBytes;
}

ReportHandler::ReportHandler(ReportHandlerOptions options, BatchingEnqueuer* enqueuer,
                             ReceiverStats* stats, NowMsFunction now_ms)
    : options_(options),
      validator_(options.limits),
      enqueuer_(enqueuer),
      stats_(stats),
      now_ms_(std::move(now_ms)),
      request_id_prefix_(std::random_device{}()) {}

void ReportHandler::Handle(net::HttpRequest&& request, net::Responder respond) {
  // The request id ties the answer and debug logs together: the client's X-Request-Id when it
  // is a sane token, else a fresh one; either way it is echoed in the answer.
  std::string id(request.Header(kRequestIdHeader));
  if (!IsSaneRequestId(id)) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "%08x%08llx", request_id_prefix_,
                  static_cast<unsigned long long>(next_request_id_.fetch_add(1)));
    id = buf;
    std::erase_if(request.headers, [](const auto& h) {
      return strcasecmp(h.first.c_str(), kRequestIdHeader.data()) == 0;
    });
    request.headers.emplace_back(std::string(kRequestIdHeader), id);
  }
  // Every answer is counted by status for /metrics.
  net::Responder counted = [stats = stats_, id, respond = std::move(respond)](net::HttpResponse r) {
    stats->RecordResponse(r.status);
    r.SetHeader(std::string(kRequestIdHeader), id);
    respond(std::move(r));
  };
  const std::string_view path = request.Path();
  if (path == kReportsPath) {
    if (request.method != "POST") return counted(MethodNotAllowed("POST"));
    return HandleReports(std::move(request), std::move(counted));
  }
  const bool get = request.method == "GET" || request.method == "HEAD";
  if (path == kHealthPath) {
    if (!get) return counted(MethodNotAllowed("GET, HEAD"));
    return counted(net::HttpResponse::Json(200, R"({"status":"ok"})"));
  }
  if (path == kReadyPath) {
    if (!get) return counted(MethodNotAllowed("GET, HEAD"));
    return counted(Readiness());
  }
  if (path == kMetricsPath) {
    if (!get) return counted(MethodNotAllowed("GET, HEAD"));
    return counted(Metrics());
  }
  counted(ErrorResponse(404, "not_found", "no such path: " + std::string(path)));
}

net::HttpResponse ReportHandler::Readiness() const {
  if (draining_.load()) {
    return ErrorResponse(503, "shutting_down", "the receiver is shutting down");
  }
  if (options_.readiness) {
    if (Status s = options_.readiness(); !s.ok()) {
      return ErrorResponse(503, "queue_unavailable", "the queue is not reachable: " + s.message());
    }
  }
  return net::HttpResponse::Json(200, R"({"status":"ready"})");
}

net::HttpResponse ReportHandler::Metrics() const {
  std::string out;
  out.reserve(8192);
  stats_->AppendPrometheus(&out);
  auto gauge = [&out](std::string_view name, std::string_view help, uint64_t value) {
    AppendPrometheusMetric(&out, name, help, "gauge", value);
  };
  gauge("roadsense_receiver_inflight_uploads", "Uploads queued for or being sent to the queue.",
        enqueuer_->inflight());
  const bool ready = !draining_.load() && (!options_.readiness || options_.readiness().ok());
  gauge("roadsense_receiver_ready", "1 when the queue is reachable and the receiver not draining.",
        ready ? 1 : 0);
  gauge("roadsense_receiver_auth_fleets",
        "Fleets in the loaded keys file (0 when authentication is off).",
        options_.authenticator ? options_.authenticator->fleet_count() : 0);
  net::HttpResponse r = net::HttpResponse::Text(200, std::move(out));
  r.SetHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
  return r;
}

void ReportHandler::Reject(const net::HttpRequest& request, const net::Responder& respond,
                           int status, std::string_view code, std::string_view message,
                           const std::vector<std::string>& details, uint64_t reports) {
  stats_->RecordRejected(code, reports);
  spdlog::debug("request {} from {} rejected with {} {}: {}", request.Header(kRequestIdHeader),
                request.remote_address, status, code, message);
  respond(ErrorResponse(status, code, message, details));
}

void ReportHandler::HandleReports(net::HttpRequest&& request, net::Responder respond) {
  if (draining_.load()) {
    stats_->RecordShed();
    return respond(ErrorResponse(503, "shutting_down", "the receiver is shutting down"));
  }
  // A killed or frozen queue would hold the upload for the SQS client's timeouts and retries,
  // longer than a car waits for an answer: tell the car when to come back instead.
  if (options_.queue_down && options_.queue_down()) {
    stats_->RecordShed();
    return respond(
        ErrorResponse(503, "queue_unavailable", "the queue is not reachable; retry later"));
  }
  // Shed before decoding: under overload, CPU spent on uploads that will be refused anyway is
  // taken from the ones that will be accepted. (Enqueue() below still decides.)
  if (enqueuer_->Full()) {
    stats_->RecordShed();
    return respond(ErrorResponse(503, "overloaded", "too many uploads are waiting for the queue"));
  }
  std::string fleet;
  if (options_.authenticator) {
    Result<std::string> authenticated =
        options_.authenticator->Authenticate(request.Header("Authorization"));
    if (!authenticated.ok()) {
      if (authenticated.status().code() == StatusCode::kPermissionDenied) {
        return Reject(request, respond, 403, "forbidden", authenticated.status().message());
      }
      net::HttpResponse r = ErrorResponse(401, "unauthenticated", authenticated.status().message());
      r.SetHeader("WWW-Authenticate", "Bearer realm=\"roadsense\"");
      stats_->RecordRejected("unauthenticated", 0);
      return respond(std::move(r));
    }
    fleet = std::move(*authenticated);
  }
  const std::optional<BodyFormat> format =
      BodyFormatFromContentType(request.Header("Content-Type"));
  if (!format) {
    return Reject(request, respond, 415, "unsupported_media_type",
                  "Content-Type must be application/x-protobuf or application/json, got '" +
                      std::string(request.Header("Content-Type")) + "'");
  }
  const std::optional<BodyEncoding> encoding =
      BodyEncodingFromContentEncoding(request.Header("Content-Encoding"));
  if (!encoding) {
    return Reject(request, respond, 415, "unsupported_media_type",
                  "Content-Encoding must be gzip or absent, got '" +
                      std::string(request.Header("Content-Encoding")) + "'");
  }

  Result<v1::ReportBatch> decoded =
      DecodeReportBatch(*format, *encoding, request.body, options_.max_body_bytes);
  if (!decoded.ok()) {
    if (decoded.status().code() == StatusCode::kResourceExhausted) {
      return Reject(request, respond, 413, "payload_too_large", decoded.status().message());
    }
    return Reject(request, respond, 400, "invalid_body", decoded.status().message());
  }
  const int reports = decoded->reports_size();

  const int64_t now_ms = now_ms_();
  std::vector<std::string> problems = validator_.Validate(*decoded, now_ms);
  if (!problems.empty()) {
    return Reject(
        request, respond, 400, "invalid_request",
        "the batch breaks " + std::to_string(problems.size()) + " rule(s); nothing was accepted",
        problems, static_cast<uint64_t>(reports));
  }

  // A fleet uploads only for its own vehicles: the envelope must name the authenticated fleet.
  if (options_.authenticator && decoded->envelope().fleet_id() != fleet) {
    return Reject(request, respond, 403, "forbidden",
                  "envelope.fleet_id '" + decoded->envelope().fleet_id() +
                      "' is not the authenticated fleet '" + fleet + "'",
                  {}, static_cast<uint64_t>(reports));
  }

  std::string pseudonym = decoded->envelope().vehicle_pseudonym();
  const uint64_t sequence = decoded->envelope().batch_sequence();
  v1::QueuedBatch queued;
  queued.set_received_time_ms(now_ms);
  queued.set_fleet_id(fleet);
  *queued.mutable_batch() = std::move(*decoded);
  // Serialized here; packed with other uploads and base64-encoded on the enqueuer's sender thread.
  std::string upload = queued.SerializeAsString();

  const auto started = std::chrono::steady_clock::now();
  auto on_enqueued =
      [stats = stats_, respond, reports, pseudonym = std::move(pseudonym), sequence, started,
       id = std::string(request.Header(kRequestIdHeader))](Result<std::string> message_id) {
        const auto latency = std::chrono::duration_cast<std::chrono::microseconds>(
            std::chrono::steady_clock::now() - started);
        if (message_id.ok()) {
          stats->RecordAccepted(static_cast<uint64_t>(reports), latency);
          respond(Accepted(reports, pseudonym, sequence, *message_id));
        } else {
          stats->RecordFailed(latency);
          spdlog::debug("request {}: the queue did not store the upload: {}", id,
                        message_id.status().ToString());
          respond(ErrorResponse(
              503, "queue_unavailable",
              "the queue did not store the upload; retry it: " + message_id.status().message()));
        }
      };
  Status status = enqueuer_->Enqueue(std::move(upload), std::move(on_enqueued));
  if (status.ok()) return;
  switch (status.code()) {
    case StatusCode::kInvalidArgument:  // larger than one queue message
      return Reject(request, respond, 413, "payload_too_large", status.message(), {},
                    static_cast<uint64_t>(reports));
    case StatusCode::kResourceExhausted:
      stats_->RecordShed();
      return respond(ErrorResponse(503, "overloaded", status.message()));
    default:
      stats_->RecordShed();
      return respond(ErrorResponse(503, "shutting_down", status.message()));
  }
}

}  // namespace roadsense::receiver
