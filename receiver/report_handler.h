// ReportHandler: the receiver's HTTP API as a function from request to response, testable
// without sockets (plug it into net::HttpServer as its HttpHandler).
//
//   POST /v1/reports  decode (report_batch_decoder.h) → validate (ReportValidator) → wrap in a
//                     QueuedBatch, base64 → BatchingEnqueuer; the Responder is called from the
//                     enqueuer's sender thread once the queue acknowledged (200) or not (503).
//   GET  /healthz     200 {"status":"ok"}
// Never answers 2xx before the queue stored the upload. Status codes and bodies: README.md.
//
// Threading: Handle() is thread-safe and never blocks on the queue. The enqueuer must outlive the
// handler; the stats must outlive the enqueuer (pending callbacks record into them).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>

#include "net/http_message.h"
#include "net/http_server.h"
#include "receiver/batching_enqueuer.h"
#include "receiver/receiver_stats.h"
#include "receiver/report_validator.h"

namespace roadsense::receiver {

// Unix epoch milliseconds; the test seam for time.
using NowMsFunction = std::function<int64_t()>;
int64_t SystemNowMs();

struct ReportHandlerOptions {
  // Largest accepted body after gzip decompression (also the HTTP server's body limit). Its
  // base64 must fit an SQS message (1 MiB); see MaxBodyBytesFitsQueue().
  size_t max_body_bytes = 512 * 1024;
  ValidationLimits limits;
};

// Whether a body of `max_body_bytes`, wrapped and base64-encoded, still fits one SQS message.
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
  // Records a rejection and answers with an error body.
  void Reject(const net::HttpRequest& request, const net::Responder& respond,
              net::HttpResponse response);

  const ReportHandlerOptions options_;
  const ReportValidator validator_;
  BatchingEnqueuer* const enqueuer_;
  ReceiverStats* const stats_;
  const NowMsFunction now_ms_;
  std::atomic<bool> draining_{false};
};

}  // namespace roadsense::receiver
