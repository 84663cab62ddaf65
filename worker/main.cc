// roadsense-worker: polls the report queue, aggregates batches into the map layers (traffic,
// weather, hazards, speed limits) and writes them to PostgreSQL exactly once per batch. See
// worker/README.md.
#include <signal.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <thread>
#include <vector>

#include "core/flag_set.h"
#include "core/logging.h"
#include "core/termination_signal.h"
#include "db/ingest_store.h"
#include "db/retention_pruner.h"
#include "net/http_server.h"
#include "sqs/sqs_client.h"
#include "worker/poll_loop.h"
#include "worker/stop_signal.h"
#include "worker/worker_metrics.h"

namespace roadsense::worker {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr seconds kThroughputInterval{10};

// Migrations at start-up; PostgreSQL may still be starting, so retry until it answers.
// Returns false when a termination signal arrived first or a migration failed for good.
bool MigrateWithRetry(const std::string& db, bool* terminated) {
  db::IngestStore store(db);
  milliseconds backoff{200};
  for (;;) {
    Result<int> applied = store.Migrate();
    if (applied.ok()) {
      spdlog::info("database schema up to date ({} migrations applied now)", *applied);
      return true;
    }
    if (applied.status().code() != StatusCode::kUnavailable) {
      spdlog::error("{}", applied.status().ToString());
      return false;
    }
    spdlog::warn("{}; retrying in {} ms", applied.status().message(), backoff.count());
    if (TerminationSignalWithin(backoff)) {
      *terminated = true;
      return false;
    }
    backoff = std::min(backoff * 2, milliseconds{5000});
  }
}

void LogThroughput(const WorkerMetrics& m, const StopSignal& stop) {
  int64_t last_batches = 0, last_reports = 0, last_tiles = 0;
  auto last = std::chrono::steady_clock::now();
  while (!stop.WaitFor(kThroughputInterval)) {
    const auto now = std::chrono::steady_clock::now();
    const double s = std::chrono::duration<double>(now - last).count();
    const int64_t batches = m.batches_committed.load(), reports = m.reports.load(),
                  tiles = m.tiles_upserted.load();
    spdlog::info(
        "throughput: {:.1f} batches/s, {:.1f} reports/s, {:.1f} tiles/s | totals: batches={} "
        "reports={} tiles={} duplicates={} poison={} db_errors={} queue_errors={}",
        (batches - last_batches) / s, (reports - last_reports) / s, (tiles - last_tiles) / s,
        batches, reports, tiles, m.batches_duplicate.load(), m.poison_messages.load(),
        m.database_errors.load(), m.queue_errors.load());
    last_batches = batches;
    last_reports = reports;
    last_tiles = tiles;
    last = now;
  }
}

// Prunes old ledger and map rows every `interval` until stopped (db::RetentionPruner; several
// worker processes may run this, only one prunes at a time).
void PruneRetention(const std::string& db, const db::RetentionPolicy& policy, seconds interval,
                    const StopSignal& stop) {
  db::RetentionPruner pruner(db);
  do {
    Result<db::PruneOutcome> pruned = pruner.Prune(policy);
    if (!pruned.ok()) {
      spdlog::warn("retention: {}", pruned.status().ToString());
    } else if (pruned->ledger_partitions_created > 0 || pruned->ledger_partitions_dropped > 0 ||
               pruned->ledger_rows > 0 || pruned->map_rows > 0) {
      spdlog::info(
          "retention: ledger partitions created {}, dropped {}; deleted {} ledger rows outside "
          "partitions, {} map rows",
          pruned->ledger_partitions_created, pruned->ledger_partitions_dropped, pruned->ledger_rows,
          pruned->map_rows);
    }
  } while (!stop.WaitFor(interval));
}

int Main(int argc, char** argv) {
  BlockTerminationSignals();
  PollLoopOptions options;
  int threads = 2;
  bool create_queue = true;
  std::string log_level = "info";
  std::string metrics_listen;
  // Ledger rows must outlive every copy of their batch: receiver --max-report-age-s (7 days) +
  // the longest SQS retention (14 days). See db/README.md, "Retention".
  int ledger_retention_hours = 21 * 24;
  int map_retention_hours = 0;
  int prune_interval_seconds = 300;
  FlagSet flags("roadsense-worker",
                "Polls the report queue and writes zoom-16 tile statistics to PostgreSQL, "
                "exactly once per batch.");
  flags.AddString("queue-url", &options.queue_url, "SQS queue URL to poll (required)");
  flags.AddString("db", &options.db_connection,
                  "libpq connection string, e.g. \"host=127.0.0.1 port=5432 dbname=roadsense "
                  "user=roadsense\" (required)");
  flags.AddInt("threads", &threads, "concurrent poll loops, each with its own DB connection");
  flags.AddInt("bucket-seconds", &options.bucket_seconds, "time bucket length in seconds");
  flags.AddInt("visibility-timeout", &options.visibility_timeout,
               "visibility timeout requested on ReceiveMessage, seconds");
  flags.AddInt("wait-seconds", &options.wait_seconds, "long-poll wait, seconds (0..20)");
  flags.AddInt("max-messages-per-commit", &options.max_messages_per_commit,
               "while receives come back full, gather up to this many messages into one "
               "transaction (10 = one receive per transaction)");
  int max_mb_per_commit = static_cast<int>(options.max_body_bytes_per_commit >> 20);
  flags.AddInt("max-mb-per-commit", &max_mb_per_commit,
               "and stop gathering once the message bodies held reach this many MiB (1..1024)");
  flags.AddInt("queue-calls-in-flight", &options.queue_calls_in_flight,
               "ReceiveMessage calls at a time while gathering a transaction's messages, and "
               "DeleteMessageBatch calls at a time after it (1..16)");
  flags.AddInt("max-hold-seconds", &options.max_hold_seconds,
               "a heartbeat extends a slow batch's visibility (every half --visibility-timeout) "
               "until this many seconds after its receive, then gives the messages up");
  flags.AddInt("poison-backoff-seconds", &options.poison_backoff_seconds,
               "an undecodable message is made visible again after this × 2^(receives − 1) "
               "seconds (max 12 h), for the queue's RedrivePolicy to dead-letter it");
  flags.AddBool("create-queue", &create_queue, "CreateQueue on start-up (idempotent)");
  flags.AddInt("ledger-retention-hours", &ledger_retention_hours,
               "delete ingest_ledger rows older than this (0 = never); must exceed queue "
               "retention + the cars' retry horizon");
  flags.AddInt("map-retention-hours", &map_retention_hours,
               "delete tile buckets, expired hazards and speed-limit votes older than this "
               "(0 = never)");
  flags.AddInt("prune-interval-seconds", &prune_interval_seconds,
               "seconds between retention pruning rounds");
  flags.AddString("metrics-listen", &metrics_listen,
                  "host:port serving GET /metrics (Prometheus text); empty = no endpoint");
  flags.AddString("log-level", &log_level, "trace, debug, info, warn or error");
  flags.ParseOrExit(argc, argv);
  InitLogging("roadsense-worker", log_level);

  std::string error;
  if (options.queue_url.empty())
    error = "--queue-url is required";
  else if (options.db_connection.empty())
    error = "--db is required";
  else if (threads < 1)
    error = "--threads must be at least 1";
  else if (options.bucket_seconds < 1)
    error = "--bucket-seconds must be at least 1";
  else if (options.wait_seconds < 0 || options.wait_seconds > 20)
    error = "--wait-seconds: 0..20";
  else if (options.max_messages_per_commit < 10)
    error = "--max-messages-per-commit must be at least 10";
  else if (max_mb_per_commit < 1 || max_mb_per_commit > 1024)
    error = "--max-mb-per-commit: 1..1024";
  else if (options.queue_calls_in_flight < 1 || options.queue_calls_in_flight > 16)
    error = "--queue-calls-in-flight: 1..16";
  else if (options.visibility_timeout < 0 || options.visibility_timeout > 43200)
    error = "--visibility-timeout: 0..43200";
  else if (options.max_hold_seconds < options.visibility_timeout ||
           options.max_hold_seconds > 43200)
    error = "--max-hold-seconds: --visibility-timeout..43200";
  else if (options.poison_backoff_seconds < 0)
    error = "--poison-backoff-seconds must be >= 0";
  else if (ledger_retention_hours < 0 || map_retention_hours < 0)
    error = "retention hours must be >= 0";
  else if (prune_interval_seconds < 1)
    error = "--prune-interval-seconds must be at least 1";
  if (!error.empty()) {
    std::fprintf(stderr, "roadsense-worker: %s (see --help)\n", error.c_str());
    return 2;
  }
  options.max_body_bytes_per_commit = int64_t{max_mb_per_commit} << 20;
  auto client_options = sqs::SqsClientOptions::ForQueueUrl(options.queue_url);
  if (!client_options.ok()) {
    std::fprintf(stderr, "roadsense-worker: --queue-url: %s\n",
                 client_options.status().ToString().c_str());
    return 2;
  }
  sqs::SqsClient client(*client_options);

  bool terminated = false;
  if (!MigrateWithRetry(options.db_connection, &terminated)) return terminated ? 0 : 1;
  if (create_queue) {
    // Failure is not fatal: the poll loops keep retrying until the queue service answers.
    auto url = client.CreateQueue(sqs::QueueNameFromUrl(options.queue_url));
    if (!url.ok()) spdlog::warn("CreateQueue failed: {}", url.status().ToString());
  }
  // Poison messages are never deleted by the worker; without a redrive policy nothing ever
  // removes them (they come back at most every 12 h until the retention period ends).
  if (auto attrs = client.GetQueueAttributes(options.queue_url, {"RedrivePolicy"});
      attrs.ok() && attrs->count("RedrivePolicy") == 0) {
    spdlog::warn(
        "{} has no RedrivePolicy: undecodable messages will not be dead-lettered "
        "(worker/README.md, \"Poison messages\")",
        options.queue_url);
  }

  WorkerMetrics metrics;
  metrics.poll_loops = threads;
  std::unique_ptr<net::HttpServer> metrics_server;
  if (!metrics_listen.empty()) {
    net::HttpServerOptions http;
    http.listen = metrics_listen;
    http.threads = 1;
    metrics_server = std::make_unique<net::HttpServer>(
        http, [&metrics](net::HttpRequest&& request, net::Responder respond) {
          if (request.Path() != "/metrics") {
            respond(net::HttpResponse::Text(404, "not found\n"));
            return;
          }
          net::HttpResponse response = net::HttpResponse::Text(200, metrics.PrometheusText());
          response.SetHeader("Content-Type", "text/plain; version=0.0.4");
          respond(std::move(response));
        });
    if (Status s = metrics_server->Start(); !s.ok()) {
      spdlog::error("--metrics-listen {}: {}", metrics_listen, s.ToString());
      return 1;
    }
    spdlog::info("metrics on http://{}/metrics", metrics_listen);
  }
  StopSignal stop;
  std::vector<std::thread> loops;
  for (int i = 0; i < threads; ++i) {
    loops.emplace_back([&] { PollLoop(&client, options, &metrics).Run(stop); });
  }
  std::thread reporter([&] { LogThroughput(metrics, stop); });
  const db::RetentionPolicy retention{.ledger_hours = ledger_retention_hours,
                                      .map_hours = map_retention_hours};
  std::thread pruner([&] {
    PruneRetention(options.db_connection, retention, seconds{prune_interval_seconds}, stop);
  });
  spdlog::info("polling {} with {} threads, {} s buckets", options.queue_url, threads,
               options.bucket_seconds);

  const int sig = WaitForTerminationSignal();
  spdlog::info("signal {}: finishing in-flight batches", sig);
  stop.Stop();
  for (auto& t : loops) t.join();
  reporter.join();
  pruner.join();
  if (metrics_server) metrics_server->Stop();
  spdlog::info("stopped: batches={} reports={} tiles={} duplicates={} poison={} deleted={}",
               metrics.batches_committed.load(), metrics.reports.load(),
               metrics.tiles_upserted.load(), metrics.batches_duplicate.load(),
               metrics.poison_messages.load(), metrics.messages_deleted.load());
  return 0;
}

}  // namespace
}  // namespace roadsense::worker

int main(int argc, char** argv) { return roadsense::worker::Main(argc, argv); }
