// roadsense-receiver: accepts car uploads over HTTP (POST /v1/reports), validates them and
// answers 200 only after the queue stored them. See receiver/README.md.
#include <signal.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>

#include "core/flag_set.h"
#include "core/logging.h"
#include "core/termination_signal.h"
#include "net/http_server.h"
#include "receiver/batching_enqueuer.h"
#include "receiver/fleet_authenticator.h"
#include "receiver/readiness_probe.h"
#include "receiver/receiver_stats.h"
#include "receiver/report_handler.h"
#include "receiver/sqs_queue_sender.h"
#include "sqs/sqs_client.h"

namespace roadsense::receiver {
namespace {

struct Flags {
  std::string listen = "127.0.0.1:8080";
  std::string queue_url;
  int threads = 0;
  int sender_threads = 4;
  int64_t linger_ms = 2;
  int64_t max_body_bytes = 512 * 1024;
  int max_reports = 1000;
  int64_t max_inflight = 10000;
  int64_t max_inflight_bytes = 256 << 20;
  int64_t max_message_bytes = 64 * 1024;
  int64_t max_report_age_s = 7 * 24 * 3600;
  int64_t max_report_future_s = 300;
  bool create_queue = true;
  std::string keys_file;
  int64_t read_timeout_ms = 10000;
  int64_t idle_timeout_ms = 60000;
  int64_t max_connections = 10000;
  int64_t max_header_bytes = 16 * 1024;
  int64_t ready_check_ms = 1000;
  int64_t queue_timeout_ms = 2000;
  std::string tls_cert;
  std::string tls_key;
  std::string log_level = "info";
};

Flags ParseFlags(int argc, char** argv) {
  Flags f;
  FlagSet flags("roadsense-receiver",
                "Accepts car report uploads (POST /v1/reports, protobuf or JSON, optionally "
                "gzip), validates them and acknowledges only after the queue stored them.");
  flags.AddString("listen", &f.listen, "HTTP listen address host:port (port 0 = any free port)");
  flags.AddString("queue-url", &f.queue_url, "SQS queue URL to enqueue batches on (required)");
  flags.AddInt("threads", &f.threads, "HTTP I/O threads (0 = one per core)");
  flags.AddInt("sender-threads", &f.sender_threads, "threads sending SendMessageBatch calls");
  flags.AddInt("linger-ms", &f.linger_ms, "how long an upload may wait for a batch to fill, ms");
  flags.AddInt("max-body-bytes", &f.max_body_bytes,
               "largest request body after gzip decompression, bytes (its base64 must fit 1 MiB)");
  flags.AddInt("max-reports", &f.max_reports, "most reports in one upload");
  flags.AddInt("max-inflight", &f.max_inflight,
               "uploads waiting for the queue before new ones are shed with 503");
  flags.AddInt("max-inflight-bytes", &f.max_inflight_bytes,
               "bytes of queue messages waiting for the queue before new uploads are shed with "
               "503 (bounds the receiver's memory)");
  flags.AddInt("max-message-bytes", &f.max_message_bytes,
               "queue messages are filled with uploads up to this many bytes of base64 body "
               "(65536: one SQS billing chunk); a larger upload travels alone; 1024..1048576");
  flags.AddInt("max-report-age-s", &f.max_report_age_s,
               "oldest accepted observed_time_ms, seconds before now");
  flags.AddInt("max-report-future-s", &f.max_report_future_s,
               "newest accepted observed_time_ms, seconds after now (clock skew)");
  flags.AddBool("create-queue", &f.create_queue,
                "create the queue (named by the URL's last path segment) on startup; idempotent");
  flags.AddString("keys-file", &f.keys_file,
                  "per-fleet API keys (receiver/keys_file.md), reloaded on SIGHUP; empty: "
                  "authentication off");
  flags.AddInt("read-timeout-ms", &f.read_timeout_ms,
               "time a client has to send one whole request (slow clients are disconnected)");
  flags.AddInt("idle-timeout-ms", &f.idle_timeout_ms,
               "how long a keep-alive connection may wait for its next request");
  flags.AddInt("max-connections", &f.max_connections,
               "open connections beyond which new ones are closed at accept");
  flags.AddInt("max-header-bytes", &f.max_header_bytes,
               "largest request header block (larger: 431)");
  flags.AddInt("queue-timeout-ms", &f.queue_timeout_ms,
               "deadline of one SendMessageBatch attempt (3 attempts): an upload stuck on a "
               "frozen or unreachable queue is answered 503 before a car's own timeout");
  flags.AddInt("ready-check-ms", &f.ready_check_ms,
               "how often GET /readyz's queue check (GetQueueAttributes) runs");
  flags.AddString("tls-cert", &f.tls_cert,
                  "PEM certificate chain (leaf first); with --tls-key the listener speaks HTTPS "
                  "(TLS 1.2+) only");
  flags.AddString("tls-key", &f.tls_key, "PEM private key of --tls-cert");
  flags.AddString("log-level", &f.log_level, "trace, debug, info, warn or error");
  flags.ParseOrExit(argc, argv);
  return f;
}

// Exits 2 with a message when a flag is out of range.
void CheckFlags(const Flags& f) {
  std::string error;
  if (f.queue_url.empty()) error = "--queue-url is required";
  if (f.max_body_bytes <= 0 || !MaxBodyBytesFitsQueue(static_cast<size_t>(f.max_body_bytes))) {
    error =
        "--max-body-bytes must be > 0 and small enough that its base64 fits one 1 MiB SQS "
        "message (at most ~768 KiB)";
  }
  if (f.max_reports < 1) error = "--max-reports must be >= 1";
  if (f.max_inflight < 1) error = "--max-inflight must be >= 1";
  if (f.max_inflight_bytes < 1) error = "--max-inflight-bytes must be >= 1";
  if (f.max_message_bytes < 1024 || f.max_message_bytes > 1024 * 1024) {
    error = "--max-message-bytes must be within 1024..1048576 (1 MiB, SQS's message limit)";
  }
  if (f.sender_threads < 1) error = "--sender-threads must be >= 1";
  if (f.linger_ms < 0) error = "--linger-ms must be >= 0";
  if (f.threads < 0) error = "--threads must be >= 0";
  if (f.read_timeout_ms < 1) error = "--read-timeout-ms must be >= 1";
  if (f.idle_timeout_ms < 1) error = "--idle-timeout-ms must be >= 1";
  if (f.max_connections < 1) error = "--max-connections must be >= 1";
  if (f.max_header_bytes < 1024) error = "--max-header-bytes must be >= 1024";
  if (f.ready_check_ms < 10) error = "--ready-check-ms must be >= 10";
  if (f.queue_timeout_ms < 1) error = "--queue-timeout-ms must be >= 1";
  if (f.tls_cert.empty() != f.tls_key.empty()) error = "--tls-cert and --tls-key go together";
  if (!error.empty()) {
    spdlog::error("{}", error);
    std::exit(2);
  }
}

// SIGHUP: reloads the keys file, keeping the previous keys when the new file is bad.
void ReloadKeys(FleetAuthenticator* authenticator) {
  if (authenticator == nullptr) {
    spdlog::info("SIGHUP: no --keys-file, nothing to reload");
  } else if (Status s = authenticator->Reload(); s.ok()) {
    spdlog::info("SIGHUP: reloaded the keys file ({} fleets)", authenticator->fleet_count());
  } else {
    spdlog::error("SIGHUP: keeping the previous keys: {}", s.ToString());
  }
}

// Logs ReceiverStats every `interval` until stopped.
class StatsLogger {
 public:
  StatsLogger(ReceiverStats* stats, std::chrono::seconds interval)
      : stats_(stats), interval_(interval), thread_([this] { Run(); }) {}
  ~StatsLogger() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

 private:
  void Run() {
    auto before = stats_->Take(true);
    auto last = std::chrono::steady_clock::now();
    std::unique_lock lock(mu_);
    while (!cv_.wait_for(lock, interval_, [this] { return stop_; })) {
      auto after = stats_->Take(true);
      auto now = std::chrono::steady_clock::now();
      spdlog::info("{}", ReceiverStats::LogLine(before, after,
                                                std::chrono::duration<double>(now - last).count()));
      before = after;
      last = now;
    }
  }

  ReceiverStats* stats_;
  std::chrono::seconds interval_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

int Run(const Flags& f) {
  Result<sqs::SqsClientOptions> client_options = sqs::SqsClientOptions::ForQueueUrl(f.queue_url);
  if (!client_options.ok()) {
    spdlog::error("--queue-url: {}", client_options.status().ToString());
    return 2;
  }
  std::unique_ptr<FleetAuthenticator> authenticator;
  if (f.keys_file.empty()) {
    spdlog::warn("no --keys-file: authentication is OFF, any client may upload for any fleet");
  } else {
    authenticator = std::make_unique<FleetAuthenticator>(f.keys_file);
    if (Status s = authenticator->Reload(); !s.ok()) {
      spdlog::error("--keys-file: {}", s.ToString());
      return 2;
    }
    spdlog::info("authentication on: {} fleets in {}", authenticator->fleet_count(), f.keys_file);
  }

  client_options->request_timeout = std::chrono::milliseconds(f.queue_timeout_ms);
  sqs::SqsClient client(std::move(*client_options));
  if (f.create_queue) {
    Result<std::string> url = client.CreateQueue(sqs::QueueNameFromUrl(f.queue_url));
    if (!url.ok()) {
      spdlog::error("CreateQueue {}: {}", sqs::QueueNameFromUrl(f.queue_url),
                    url.status().ToString());
      return 1;
    }
    if (*url != f.queue_url) spdlog::warn("CreateQueue returned {} (using --queue-url)", *url);
  }

  // The readiness check has its own client with a short timeout, so that a stuck queue turns the
  // receiver unready within a few check intervals.
  sqs::SqsClientOptions probe_options = *sqs::SqsClientOptions::ForQueueUrl(f.queue_url);
  probe_options.request_timeout =
      std::chrono::milliseconds(std::max<int64_t>(f.ready_check_ms, 500));
  probe_options.max_idle_connections = 1;
  sqs::SqsClient probe_client(std::move(probe_options));
  ReadinessProbe readiness(
      [&probe_client, &f]() -> Status {
        return probe_client.GetQueueAttributes(f.queue_url, {"ApproximateNumberOfMessages"})
            .status();
      },
      std::chrono::milliseconds(f.ready_check_ms));

  ReceiverStats stats;
  SqsQueueSender sender(&client, f.queue_url);
  BatchingEnqueuerOptions enqueuer_options;
  enqueuer_options.on_batch = [&stats](std::span<const size_t> uploads_per_entry) {
    stats.RecordQueueBatch(uploads_per_entry);
  };
  enqueuer_options.sender_threads = f.sender_threads;
  enqueuer_options.linger = std::chrono::milliseconds(f.linger_ms);
  enqueuer_options.max_inflight = static_cast<size_t>(f.max_inflight);
  enqueuer_options.max_inflight_bytes = static_cast<size_t>(f.max_inflight_bytes);
  enqueuer_options.max_message_bytes = static_cast<size_t>(f.max_message_bytes);
  enqueuer_options.queue_down = [&readiness] { return readiness.QueueDown(); };
  BatchingEnqueuer enqueuer(enqueuer_options, &sender);

  ReportHandlerOptions handler_options;
  handler_options.authenticator = authenticator.get();
  handler_options.readiness = [&readiness] { return readiness.Current(); };
  handler_options.queue_down = [&readiness] { return readiness.QueueDown(); };
  handler_options.max_body_bytes = static_cast<size_t>(f.max_body_bytes);
  handler_options.limits.max_reports = f.max_reports;
  handler_options.limits.max_age_ms = f.max_report_age_s * 1000;
  handler_options.limits.max_future_ms = f.max_report_future_s * 1000;
  ReportHandler handler(handler_options, &enqueuer, &stats);

  net::HttpServerOptions server_options;
  server_options.listen = f.listen;
  server_options.threads = f.threads;
  // The decoder enforces --max-body-bytes (after decompression) with a JSON 413; the server's own
  // limit only needs to stop absurd bodies early, leaving room for gzip's framing overhead on
  // incompressible data (~5 bytes per 16 KiB block).
  server_options.body_limit = static_cast<size_t>(f.max_body_bytes) + 64 * 1024;
  server_options.server_name = "roadsense-receiver";
  server_options.read_timeout = std::chrono::milliseconds(f.read_timeout_ms);
  server_options.idle_timeout = std::chrono::milliseconds(f.idle_timeout_ms);
  server_options.max_connections = static_cast<size_t>(f.max_connections);
  server_options.header_limit = static_cast<size_t>(f.max_header_bytes);
  server_options.tls_certificate_file = f.tls_cert;
  server_options.tls_private_key_file = f.tls_key;
  // 413/431/400 the server answers before the handler sees the request count like any answer.
  server_options.on_rejected = [&stats](int status) { stats.RecordResponse(status); };
  net::HttpServer server(server_options, [&handler](net::HttpRequest&& req, net::Responder res) {
    handler.Handle(std::move(req), std::move(res));
  });
  if (Status s = server.Start(); !s.ok()) {
    spdlog::error("listen {}: {}", f.listen, s.ToString());
    return 1;
  }
  spdlog::info("listening on port {} ({}), enqueuing to {}", server.port(),
               f.tls_cert.empty() ? "HTTP" : "HTTPS", f.queue_url);

  {
    StatsLogger stats_logger(&stats, std::chrono::seconds(10));
    const int sig = WaitForTerminationSignal([&authenticator] { ReloadKeys(authenticator.get()); });
    spdlog::info("signal {}: draining", sig);
    // No new connections (the load balancer moves on); uploads on open connections get 503; the
    // ones waiting for the queue still get their answer.
    handler.StartDraining();
    server.StopAccepting();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (enqueuer.unanswered() > 0 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    server.Stop();
    enqueuer.Stop();
    spdlog::info("final: {}", ReceiverStats::LogLine({}, stats.Take(false), 0));
  }
  return 0;
}

}  // namespace
}  // namespace roadsense::receiver

int main(int argc, char** argv) {
  roadsense::BlockTerminationSignals(/*with_reload=*/true);
  auto flags = roadsense::receiver::ParseFlags(argc, argv);
  roadsense::InitLogging("roadsense-receiver", flags.log_level);
  roadsense::receiver::CheckFlags(flags);
  return roadsense::receiver::Run(flags);
}
