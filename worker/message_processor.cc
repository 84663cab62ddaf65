#include "worker/message_processor.h"

#include <google/protobuf/arena.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>

#include "core/base64.h"
#include "worker/batch_time.h"
#include "worker/queued_batch_decoder.h"
#include "worker/tile_aggregator.h"
#include "worker/upload_scanner.h"

namespace roadsense::worker {
namespace {

// Prepare's parse arena block, reused for every body: the receiver's 64 KiB bodies decode to
// 48 KiB, whose parsed messages take a few times that. Bigger bodies (SQS allows 1 MiB) spill into
// more blocks, which the next Reset() frees.
constexpr size_t kParseBlockBytes = size_t{1} << 20;

}  // namespace

bool VisitEntryBatches(const PreparedGroup& group,
                       const std::vector<sqs::ReceivedMessage>& messages,
                       const std::function<void(size_t, const v1::ReportBatch&)>& visit) {
  std::string bytes;
  v1::QueuedUploads uploads;  // reused: the entries of one message are consecutive
  size_t decoded = messages.size();
  for (size_t i = 0; i < group.uploads.size(); ++i) {
    const UploadRef& ref = group.uploads[i];
    if (ref.message != decoded) {
      if (ref.message >= messages.size() ||
          !DecodeQueuedUploadsInto(messages[ref.message].body, &bytes, &uploads).ok()) {
        return false;
      }
      decoded = ref.message;
    }
    if (ref.upload >= uploads.uploads_size()) return false;
    visit(i, uploads.uploads(ref.upload).batch());
  }
  return true;
}

MessageProcessor::MessageProcessor(db::IngestStore* store, int64_t bucket_seconds,
                                   WorkerMetrics* metrics)
    : store_(store), bucket_seconds_(bucket_seconds), metrics_(metrics) {}

PreparedGroup MessageProcessor::Prepare(const std::vector<sqs::ReceivedMessage>& messages) const {
  PreparedGroup group;
  group.messages = messages.size();
  // Aggregated here, outside the transaction: the ledger nearly always claims every batch, and
  // then the transaction only writes. Each body is read and aggregated at once, while its reports
  // are in cache. UploadScanner reads nearly every body; the rest are parsed with protobuf onto
  // an arena that is reset after each, so its one block is reused. (A group's parsed uploads used
  // to stay on an arena until the commit, tens of MB of fresh pages per group; a plain reused
  // message is no better, since Clear() deletes each report's sub-messages and parsing allocates
  // them again.)
  TileAggregator aggregator(bucket_seconds_);
  auto block = std::make_unique_for_overwrite<char[]>(kParseBlockBytes);
  google::protobuf::ArenaOptions options;
  options.initial_block = block.get();
  options.initial_block_size = kParseBlockBytes;
  options.max_block_size = kParseBlockBytes;
  google::protobuf::Arena arena(options);
  std::string bytes;  // every body's decoded bytes, in turn: one buffer, grown to the largest
  std::map<db::BatchKey, size_t> first_seen;  // key → index into entries
  // Files upload `u` of the body about to be kept unless its key came earlier in the group (a
  // car's retry in another message, a message received twice: counted once); true if filed.
  auto file_upload = [&](size_t message, db::BatchKey key, int64_t batch_time_ms, int u) {
    if (first_seen.count(key) > 0) {
      metrics_->batches_duplicate.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
    first_seen.emplace(key, group.entries.size());
    group.entries.push_back({std::move(key), batch_time_ms, messages[message].message_id});
    group.uploads.push_back({static_cast<uint32_t>(message), u});
    return true;
  };
  UploadScanner scanner;
  for (size_t i = 0; i < messages.size(); ++i) {
    // The common case: a body in the plain encoding whose uploads all pass, read without
    // building messages (upload_scanner.h). Anything else takes the protobuf path below, which
    // gives the same result or words the error.
    if (Base64DecodeInto(messages[i].body, &bytes) && scanner.Scan(bytes) &&
        std::all_of(scanner.uploads().begin(), scanner.uploads().end(),
                    [&](const ScannedUpload& u) { return scanner.Valid(u); })) {
      group.valid.push_back(i);
      for (size_t u = 0; u < scanner.uploads().size(); ++u) {
        const ScannedUpload& upload = scanner.uploads()[u];
        db::BatchKey key{std::string(upload.vehicle_pseudonym),
                         static_cast<int64_t>(upload.batch_sequence)};
        if (file_upload(i, std::move(key),
                        BatchTimeMs(scanner.reports(upload), upload.sent_time_ms),
                        static_cast<int>(u))) {
          aggregator.Add(upload.vehicle_pseudonym, scanner.reports(upload));
        }
      }
      continue;
    }
    arena.Reset();
    auto& uploads = *google::protobuf::Arena::CreateMessage<v1::QueuedUploads>(&arena);
    if (Status decoded = DecodeQueuedUploadsInto(messages[i].body, &bytes, &uploads);
        !decoded.ok()) {
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
    for (int u = 0; u < uploads.uploads_size(); ++u) {
      const v1::ReportBatch& batch = uploads.uploads(u).batch();
      db::BatchKey key{batch.envelope().vehicle_pseudonym(),
                       static_cast<int64_t>(batch.envelope().batch_sequence())};
      if (file_upload(i, std::move(key), BatchTimeMs(batch), u)) aggregator.Add(batch);
    }
  }
  group.placed_reports = aggregator.placed_reports();
  group.unplaced_reports = aggregator.unplaced_reports();
  group.delta = aggregator.Take();
  return group;
}

ProcessResult MessageProcessor::Process(const std::vector<sqs::ReceivedMessage>& messages) {
  return Commit(Prepare(messages), messages);
}

ProcessResult MessageProcessor::Commit(PreparedGroup group,
                                       const std::vector<sqs::ReceivedMessage>& messages) {
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
        const bool parsed =
            VisitEntryBatches(group, messages, [&](size_t i, const v1::ReportBatch& batch) {
              if (claimed[i]) aggregator.Add(batch);
            });
        // Prepare decoded these very bodies, so this cannot happen; if it did, the store rolls
        // the transaction back and reports the error, and the messages come back.
        if (!parsed) throw std::logic_error("a prepared upload no longer parses");
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
  metrics_->claim_reruns.fetch_add(outcome->claim_reruns, std::memory_order_relaxed);
  if (outcome->claimed_batches > 0) {
    metrics_->reports.fetch_add(reports, std::memory_order_relaxed);
    metrics_->unplaced_reports.fetch_add(unplaced, std::memory_order_relaxed);
  }
  result.deletable = std::move(group.valid);
  return result;
}

}  // namespace roadsense::worker
