#include "worker/message_processor.h"

#include <google/protobuf/arena.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <map>

#include "worker/batch_time.h"
#include "worker/queued_batch_decoder.h"
#include "worker/tile_aggregator.h"

namespace roadsense::worker {
namespace {

// The decoded uploads of one group (up to --max-messages-per-commit bodies, at most
// max_body_bytes_per_commit of them) live on one arena: one allocation per block instead of several
// per report, freed at once.
google::protobuf::ArenaOptions DecodeArenaOptions() {
  google::protobuf::ArenaOptions options;
  options.start_block_size = 64 << 10;
  options.max_block_size = 1 << 20;
  return options;
}

}  // namespace

MessageProcessor::MessageProcessor(db::IngestStore* store, int64_t bucket_seconds,
                                   WorkerMetrics* metrics)
    : store_(store), bucket_seconds_(bucket_seconds), metrics_(metrics) {}

PreparedGroup MessageProcessor::Prepare(const std::vector<sqs::ReceivedMessage>& messages) const {
  PreparedGroup group;
  group.messages = messages.size();
  group.arena = std::make_unique<google::protobuf::Arena>(DecodeArenaOptions());
  std::map<db::BatchKey, size_t> first_seen;  // key → index into entries
  for (size_t i = 0; i < messages.size(); ++i) {
    auto* uploads = google::protobuf::Arena::CreateMessage<v1::QueuedUploads>(group.arena.get());
    if (Status decoded = DecodeQueuedUploadsInto(messages[i].body, uploads); !decoded.ok()) {
      // Poison, the whole message: it can never succeed. Not deleted (it is evidence, and the
      // queue's redrive policy dead-letters it); the caller makes it visible again after a
      // backoff.
      auto count = messages[i].attributes.find("ApproximateReceiveCount");
      spdlog::warn("poison message {} (receive {}) left for the dead-letter policy: {}",
                   messages[i].message_id,
                   count == messages[i].attributes.end() ? "?" : count->second, decoded.message());
      metrics_->poison_messages.fetch_add(1, std::memory_order_relaxed);
      group.poison.push_back(i);
      continue;
    }
    group.valid.push_back(i);
    for (const v1::QueuedBatch& queued : uploads->uploads()) {
      const v1::Envelope& envelope = queued.batch().envelope();
      db::BatchKey key{envelope.vehicle_pseudonym(),
                       static_cast<int64_t>(envelope.batch_sequence())};
      // Repeated within the group (a car's retry in another message, a message received twice):
      // counted once.
      if (first_seen.count(key) > 0) {
        metrics_->batches_duplicate.fetch_add(1, std::memory_order_relaxed);
        continue;
      }
      first_seen.emplace(key, group.entries.size());
      group.entries.push_back(
          {std::move(key), BatchTimeMs(queued.batch()), messages[i].message_id});
      group.batches.push_back(&queued);
    }
  }
  // Aggregated here, outside the transaction: the ledger nearly always claims every batch, and
  // then the transaction only writes.
  TileAggregator aggregator(bucket_seconds_);
  for (const v1::QueuedBatch* queued : group.batches) aggregator.Add(queued->batch());
  group.placed_reports = aggregator.placed_reports();
  group.unplaced_reports = aggregator.unplaced_reports();
  group.delta = aggregator.Take();
  return group;
}

ProcessResult MessageProcessor::Process(const std::vector<sqs::ReceivedMessage>& messages) {
  return Commit(Prepare(messages));
}

ProcessResult MessageProcessor::Commit(PreparedGroup group) {
  ProcessResult result;
  result.poison = std::move(group.poison);
  if (group.entries.empty()) return result;

  int64_t reports = 0;
  int64_t unplaced = 0;
  const auto started = std::chrono::steady_clock::now();
  Result<db::IngestOutcome> outcome =
      store_->Ingest(group.entries, [&](const std::vector<bool>& claimed) {
        const bool all = std::find(claimed.begin(), claimed.end(), false) == claimed.end();
        if (all && !group.delta_taken) {
          group.delta_taken = true;
          reports = group.placed_reports;
          unplaced = group.unplaced_reports;
          return std::move(group.delta);
        }
        // Some batch was counted before (or the transaction is rerun): exactly the claimed ones.
        TileAggregator aggregator(bucket_seconds_);
        for (size_t i = 0; i < claimed.size(); ++i) {
          if (claimed[i]) aggregator.Add(group.batches[i]->batch());
        }
        reports = aggregator.placed_reports();
        unplaced = aggregator.unplaced_reports();
        return aggregator.Take();
      });
  metrics_->commits.fetch_add(1, std::memory_order_relaxed);
  metrics_->commit_messages.fetch_add(static_cast<int64_t>(group.messages),
                                      std::memory_order_relaxed);
  metrics_->commit_us.fetch_add(std::chrono::duration_cast<std::chrono::microseconds>(
                                    std::chrono::steady_clock::now() - started)
                                    .count(),
                                std::memory_order_relaxed);
  if (!outcome.ok()) {
    metrics_->database_errors.fetch_add(1, std::memory_order_relaxed);
    result.status = outcome.status();
    return result;
  }
  metrics_->batches_committed.fetch_add(outcome->claimed_batches, std::memory_order_relaxed);
  metrics_->batches_duplicate.fetch_add(outcome->duplicate_batches, std::memory_order_relaxed);
  metrics_->tiles_upserted.fetch_add(outcome->tiles_upserted, std::memory_order_relaxed);
  if (outcome->claimed_batches > 0) {
    metrics_->reports.fetch_add(reports, std::memory_order_relaxed);
    metrics_->unplaced_reports.fetch_add(unplaced, std::memory_order_relaxed);
  }
  result.deletable = std::move(group.valid);
  return result;
}

}  // namespace roadsense::worker
