#include "worker/worker_metrics.h"

#include <cstdio>

namespace roadsense::worker {
namespace {

void Append(std::string& out, const char* name, const char* type, const char* help, double value) {
  char line[64];
  std::snprintf(line, sizeof line, "%.17g", value);
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
  out += name;
  out += ' ';
  out += line;
  out += '\n';
}

double Load(const std::atomic<int64_t>& v) {
  return static_cast<double>(v.load(std::memory_order_relaxed));
}

}  // namespace

std::string WorkerMetrics::PrometheusText() const {
  std::string out;
  Append(out, "roadsense_worker_messages_received_total", "counter", "Messages received.",
         Load(messages_received));
  Append(out, "roadsense_worker_messages_deleted_total", "counter",
         "Messages deleted after their batch committed.", Load(messages_deleted));
  Append(out, "roadsense_worker_batches_committed_total", "counter",
         "New batches aggregated and committed.", Load(batches_committed));
  Append(out, "roadsense_worker_batches_duplicate_total", "counter",
         "Batches skipped because the ledger (or the same receive) had them already.",
         Load(batches_duplicate));
  Append(out, "roadsense_worker_poison_messages_total", "counter",
         "Receives of undecodable messages (not deleted; left for the queue's redrive policy).",
         Load(poison_messages));
  Append(out, "roadsense_worker_reports_total", "counter", "Reports of committed batches.",
         Load(reports));
  Append(out, "roadsense_worker_unplaced_reports_total", "counter",
         "Reports without a position (counted nowhere).", Load(unplaced_reports));
  Append(out, "roadsense_worker_tiles_upserted_total", "counter", "tile_stats rows written.",
         Load(tiles_upserted));
  Append(out, "roadsense_worker_database_errors_total", "counter",
         "Failed ingest transactions and connection attempts.", Load(database_errors));
  Append(out, "roadsense_worker_queue_errors_total", "counter",
         "Failed ReceiveMessage / DeleteMessageBatch / poison-backoff calls and entries.",
         Load(queue_errors));
  Append(out, "roadsense_worker_visibility_extensions_total", "counter",
         "Messages whose visibility timeout a heartbeat extended during a slow batch.",
         Load(visibility_extensions));
  Append(out, "roadsense_worker_visibility_extension_failures_total", "counter",
         "Messages whose visibility extension failed (they may be redelivered meanwhile).",
         Load(visibility_extension_failures));
  Append(
      out, "roadsense_worker_batches_given_up_total", "counter",
      "Receives held past --max-hold-seconds: extensions stopped, messages returned to the queue.",
      Load(batches_given_up));
  Append(out, "roadsense_worker_commits_total", "counter", "Ingest transactions run.",
         Load(commits));
  Append(out, "roadsense_worker_commit_seconds_total", "counter",
         "Summed duration of ingest transactions (claim to commit); / commits = mean latency.",
         Load(commit_us) / 1e6);
  Append(out, "roadsense_worker_commit_messages_total", "counter",
         "Messages handed to ingest transactions; / commits = mean batch size.",
         Load(commit_messages));
  Append(out, "roadsense_worker_claim_reruns_total", "counter",
         "Ingest transactions run twice because their cheap ledger claim met a batch already "
         "there (a redelivery or a retried upload).",
         Load(claim_reruns));
  Append(out, "roadsense_worker_busy_seconds_total", "counter",
         "Poll-loop time spent processing, not waiting for messages; rate / poll_loops = "
         "utilisation.",
         Load(busy_us) / 1e6);
  Append(out, "roadsense_worker_poll_loops", "gauge", "Poll loops (--threads).", poll_loops);
  Append(out, "roadsense_worker_oldest_message_age_seconds", "gauge",
         "Age (since SentTimestamp) of the oldest message of the latest receive: queue lag.",
         Load(oldest_message_age_ms) / 1e3);
  return out;
}

}  // namespace roadsense::worker
