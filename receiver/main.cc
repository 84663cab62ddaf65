// roadsense-receiver: accepts car uploads over HTTP (POST /v1/reports), validates them and
// answers 200 only after the queue stored them. See receiver/README.md.
#include <spdlog/spdlog.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>

#include "core/flag_set.h"
#include "core/logging.h"
#include "core/termination_signal.h"
#include "net/http_server.h"
#include "receiver/batching_enqueuer.h"
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
  int64_t max_report_age_s = 7 * 24 * 3600;
  int64_t max_report_future_s = 300;
  bool create_queue = true;
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
  flags.AddInt("max-report-age-s", &f.max_report_age_s,
               "oldest accepted observed_time_ms, seconds before now");
  flags.AddInt("max-report-future-s", &f.max_report_future_s,
               "newest accepted observed_time_ms, seconds after now (clock skew)");
  flags.AddBool("create-queue", &f.create_queue,
                "create the queue (named by the URL's last path segment) on startup; idempotent");
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
  if (f.sender_threads < 1) error = "--sender-threads must be >= 1";
  if (f.linger_ms < 0) error = "--linger-ms must be >= 0";
  if (f.threads < 0) error = "--threads must be >= 0";
  if (!error.empty()) {
    spdlog::error("{}", error);
    std::exit(2);
  }
}

std::string QueueNameOf(const std::string& queue_url) {
  std::string path = queue_url;
  while (!path.empty() && path.back() == '/') path.pop_back();
  return path.substr(path.find_last_of('/') + 1);
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
  sqs::SqsClient client(std::move(*client_options));
  if (f.create_queue) {
    Result<std::string> url = client.CreateQueue(QueueNameOf(f.queue_url));
    if (!url.ok()) {
      spdlog::error("CreateQueue {}: {}", QueueNameOf(f.queue_url), url.status().ToString());
      return 1;
    }
    if (*url != f.queue_url) spdlog::warn("CreateQueue returned {} (using --queue-url)", *url);
  }

  SqsQueueSender sender(&client, f.queue_url);
  BatchingEnqueuerOptions enqueuer_options;
  enqueuer_options.sender_threads = f.sender_threads;
  enqueuer_options.linger = std::chrono::milliseconds(f.linger_ms);
  enqueuer_options.max_inflight = static_cast<size_t>(f.max_inflight);
  BatchingEnqueuer enqueuer(enqueuer_options, &sender);

  ReceiverStats stats;
  ReportHandlerOptions handler_options;
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
  net::HttpServer server(server_options, [&handler](net::HttpRequest&& req, net::Responder res) {
    handler.Handle(std::move(req), std::move(res));
  });
  if (Status s = server.Start(); !s.ok()) {
    spdlog::error("listen {}: {}", f.listen, s.ToString());
    return 1;
  }
  spdlog::info("listening on port {}, enqueuing to {}", server.port(), f.queue_url);

  {
    StatsLogger stats_logger(&stats, std::chrono::seconds(10));
    const int sig = WaitForTerminationSignal();
    spdlog::info("signal {}: draining", sig);
    // New uploads get 503; the ones waiting for the queue still get their answer.
    handler.StartDraining();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (enqueuer.inflight() > 0 && std::chrono::steady_clock::now() < deadline) {
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
  roadsense::BlockTerminationSignals();
  auto flags = roadsense::receiver::ParseFlags(argc, argv);
  roadsense::InitLogging("roadsense-receiver", flags.log_level);
  roadsense::receiver::CheckFlags(flags);
  return roadsense::receiver::Run(flags);
}
