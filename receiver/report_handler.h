// ReportHandler: the receiver's HTTP API as a function from request to response, testable
// without sockets (plug it into net::HttpServer as its HttpHandler).
//
//   POST /v1/reports  decode (report_batch_decoder.h) → validate (ReportValidator) → wrap in a
//                     QueuedBatch, serialize → BatchingEnqueuer (packs and base64-encodes); the
//                     Responder is called from the enqueuer's sender thread once the queue
//                     acknowledged (200) or not (503).
//   GET  /healthz     200 {"status":"ok"} (the process is alive)
//   GET  /readyz      200 when the queue is reachable (options.readiness) and not draining, else
//   503 GET  /metrics     Prometheus text format (ReceiverStats plus in-flight and readiness
//   gauges)
// With options.authenticator set, uploads need `Authorization: Bearer <fleet_id>:<api_key>`
// (401 missing/invalid, 403 unknown fleet or an envelope.fleet_id of another fleet).
// Every answer carries X-Request-Id (the client's when it sent a sane one, else a fresh id); debug
// logs name it. Never answers 2xx before the queue stored the upload. Status codes and bodies:
// README.md.
//
// Threading: Handle() is thread-safe and never blocks on the queue. The enqueuer must outlive the
// handler; the stats must outlive the enqueuer (pending callbacks record into them).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>

#include "core/status.h"
#include "net/http_message.h"
#include "net/http_server.h"
#include "receiver/batching_enqueuer.h"
#include "receiver/fleet_authenticator.h"
#include "receiver/receiver_stats.h"
#include "receiver/report_validator.h"

namespace roadsense::receiver {

// Unix epoch milliseconds; the test seam for time.
using NowMsFunction = std::function<int64_t()>;
int64_t SystemNowMs();

struct ReportHandlerOptions {
  // Largest accepted body after gzip decompression (also the HTTP server's body limit). A message
  // of it alone, wrapped, packed and base64-encoded, must fit an SQS message (1 MiB); see
  // MaxBodyBytesFitsQueue().
  size_t max_body_bytes = 512 * 1024;
  ValidationLimits limits;
  // Not owned; null: authentication off (uploads carry no credentials, QueuedBatch.fleet_id stays
  // empty). Must outlive the handler.
  const FleetAuthenticator* authenticator = nullptr;
  // Whether the queue is reachable (e.g. ReadinessProbe::Current); null: always ready. Called on
  // I/O threads, so it must not block.
  std::function<Status()> readiness;
  // True when the queue is known to be unreachable (e.g. ReadinessProbe::QueueDown): uploads are
  // then answered 503 + Retry-After at once. Null: never. Called on I/O threads; must not block.
  std::function<bool()> queue_down;
};

// Whether a body of `max_body_bytes`, wrapped in a QueuedBatch and packed alone into a base64
// QueuedUploads message, still fits one SQS message.
bool MaxBodyBytesFitsQueue(size_t max_body_bytes);

class ReportHandler {
 public:
  ReportHandler(ReportHandlerOptions options, BatchingEnqueuer* enqueuer, ReceiverStats* stats,
                NowMsFunction now_ms = SystemNowMs);

  void Handle(net::HttpRequest&& request, net::Responder respond);

  // From now on uploads get 503 + Retry-After (graceful shutdown: let in-flight ones finish).
  void StartDraining() { draining_.store(true); }

 private:
  void HandleReports(net::HttpRequest&& request, net::Responder respond);
  net::HttpResponse Readiness() const;
  net::HttpResponse Metrics() const;
  // Records a rejection (by `code`, with the number of reports when the batch was decoded) and
  // answers with an error body.
  void Reject(const net::HttpRequest& request, const net::Responder& respond, int status,
              std::string_view code, std::string_view message,
              const std::vector<std::string>& details = {}, uint64_t reports = 0);

  const ReportHandlerOptions options_;
  const ReportValidator validator_;
  BatchingEnqueuer* const enqueuer_;
  ReceiverStats* const stats_;
  const NowMsFunction now_ms_;
  std::atomic<bool> draining_{false};
  const uint32_t request_id_prefix_;  // random per process: ids stay distinct across restarts
  std::atomic<uint64_t> next_request_id_{1};
};

}  // namespace roadsense::receiver
