#include "worker/poll_loop.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <chrono>

#include "db/ingest_store.h"
#include "worker/message_processor.h"
#include "worker/poison_backoff.h"
#include "worker/visibility_heartbeat.h"

namespace roadsense::worker {
namespace {

using std::chrono::milliseconds;

constexpr milliseconds kMinBackoff{100};
constexpr milliseconds kMaxBackoff{5000};
constexpr size_t kMaxDeleteBatch = 10;  // SQS limit per DeleteMessageBatch

// Age of the oldest of `messages` by their SentTimestamp attribute (epoch ms), 0 if none has it.
int64_t OldestAgeMs(const std::vector<sqs::ReceivedMessage>& messages) {
  const int64_t now_ms =
      std::chrono::duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  int64_t oldest = 0;
  for (const auto& m : messages) {
    auto it = m.attributes.find("SentTimestamp");
    int64_t sent = 0;
    if (it == m.attributes.end() ||
        std::from_chars(it->second.data(), it->second.data() + it->second.size(), sent).ec !=
            std::errc()) {
      continue;
    }
    oldest = std::max(oldest, now_ms - sent);
  }
  return oldest;
}

}  // namespace

bool ShouldReceiveMore(size_t last_received, size_t full, size_t held_messages, int64_t held_bytes,
                       const PollLoopOptions& options) {
  return last_received == full &&
         held_messages + full <= static_cast<size_t>(options.max_messages_per_commit) &&
         held_bytes < options.max_body_bytes_per_commit;
}

PollLoop::PollLoop(sqs::SqsClient* client, PollLoopOptions options, WorkerMetrics* metrics)
    : client_(client), options_(std::move(options)), metrics_(metrics) {}

void PollLoop::Run(const StopSignal& stop) {
  db::IngestStore store(options_.db_connection);
  MessageProcessor processor(&store, options_.bucket_seconds, metrics_);
  sqs::ReceiveOptions receive;
  receive.max_messages = 10;
  receive.wait_time_seconds = options_.wait_seconds;
  receive.visibility_timeout = options_.visibility_timeout;
  receive.attribute_names = {"ApproximateReceiveCount", "SentTimestamp"};
  sqs::ReceiveOptions more_options = receive;
  more_options.wait_time_seconds = 0;

  milliseconds backoff = kMinBackoff;
  auto back_off = [&] {
    stop.WaitFor(backoff);
    backoff = std::min(backoff * 2, kMaxBackoff);
  };
  while (!stop.stopped()) {
    // No receive while PostgreSQL is down: received messages would only time out again.
    if (Status s = store.Connect(); !s.ok()) {
      metrics_->database_errors.fetch_add(1, std::memory_order_relaxed);
      spdlog::warn("{}; retrying in {} ms", s.message(), backoff.count());
      back_off();
      continue;
    }
    auto received = client_->ReceiveMessage(options_.queue_url, receive);
    // The visibility timeout runs from (a few ms before) here, not from the long poll's start.
    const auto received_at = std::chrono::steady_clock::now();
    if (!received.ok()) {
      metrics_->queue_errors.fetch_add(1, std::memory_order_relaxed);
      spdlog::warn("ReceiveMessage failed: {}; retrying in {} ms", received.status().ToString(),
                   backoff.count());
      back_off();
      continue;
    }
    if (received->empty()) {
      metrics_->oldest_message_age_ms.store(0, std::memory_order_relaxed);
      continue;
    }
    // A full receive means more are waiting: gather them into the same transaction.
    const size_t full = static_cast<size_t>(receive.max_messages);
    int64_t held_bytes = 0;
    for (const auto& m : *received) held_bytes += static_cast<int64_t>(m.body.size());
    for (size_t last = received->size();
         ShouldReceiveMore(last, full, received->size(), held_bytes, options_);) {
      auto more = client_->ReceiveMessage(options_.queue_url, more_options);
      if (!more.ok()) break;  // process what we hold; the next round reports the error
      last = more->size();
      for (auto& m : *more) {
        held_bytes += static_cast<int64_t>(m.body.size());
        received->push_back(std::move(m));
      }
    }
    const auto busy_from = std::chrono::steady_clock::now();
    metrics_->messages_received.fetch_add(received->size(), std::memory_order_relaxed);
    metrics_->oldest_message_age_ms.store(OldestAgeMs(*received), std::memory_order_relaxed);
    std::vector<std::string> handles;
    handles.reserve(received->size());
    for (const auto& m : *received) handles.push_back(m.receipt_handle);
    VisibilityHeartbeat heartbeat(client_, options_.queue_url, std::move(handles), received_at,
                                  {.visibility_timeout = options_.visibility_timeout,
                                   .max_hold_seconds = options_.max_hold_seconds},
                                  metrics_);
    ProcessResult result = processor.Process(*received);
    // The last extension left at least half a timeout for the deletes; no extension may race them.
    heartbeat.Stop();
    Delete(*received, result.deletable);
    BackOffPoison(*received, result.poison);
    metrics_->busy_us.fetch_add(std::chrono::duration_cast<std::chrono::microseconds>(
                                    std::chrono::steady_clock::now() - busy_from)
                                    .count(),
                                std::memory_order_relaxed);
    if (!result.status.ok()) {
      spdlog::error("batch not committed, messages left for redelivery: {}",
                    result.status.ToString());
      back_off();
      continue;
    }
    backoff = kMinBackoff;
  }
}

void PollLoop::Delete(const std::vector<sqs::ReceivedMessage>& messages,
                      const std::vector<size_t>& indices) {
  for (size_t start = 0; start < indices.size(); start += kMaxDeleteBatch) {
    std::vector<sqs::DeleteEntry> entries;
    for (size_t k = start; k < std::min(indices.size(), start + kMaxDeleteBatch); ++k) {
      entries.push_back({std::to_string(indices[k]), messages[indices[k]].receipt_handle});
    }
    auto deleted = client_->DeleteMessageBatch(options_.queue_url, entries);
    if (!deleted.ok()) {
      // Harmless for correctness: the messages come back and the ledger drops them.
      metrics_->queue_errors.fetch_add(1, std::memory_order_relaxed);
      spdlog::warn("DeleteMessageBatch failed: {}", deleted.status().ToString());
      continue;
    }
    metrics_->messages_deleted.fetch_add(deleted->successful.size(), std::memory_order_relaxed);
    for (const auto& failure : deleted->failed) {
      metrics_->queue_errors.fetch_add(1, std::memory_order_relaxed);
      size_t index = messages.size();  // our entry ids are message indices
      std::from_chars(failure.id.data(), failure.id.data() + failure.id.size(), index);
      spdlog::warn("delete of message {} failed: {}: {}",
                   index < messages.size() ? messages[index].message_id : failure.id, failure.code,
                   failure.message);
    }
  }
}

void PollLoop::BackOffPoison(const std::vector<sqs::ReceivedMessage>& messages,
                             const std::vector<size_t>& indices) {
  for (size_t start = 0; start < indices.size(); start += kMaxDeleteBatch) {
    std::vector<sqs::VisibilityEntry> entries;
    for (size_t k = start; k < std::min(indices.size(), start + kMaxDeleteBatch); ++k) {
      const sqs::ReceivedMessage& m = messages[indices[k]];
      entries.push_back({std::to_string(indices[k]), m.receipt_handle,
                         PoisonBackoffSeconds(m, options_.poison_backoff_seconds)});
    }
    // A failure only shortens the backoff: the message reappears after the visibility timeout.
    auto changed = client_->ChangeMessageVisibilityBatch(options_.queue_url, entries);
    if (!changed.ok()) {
      metrics_->queue_errors.fetch_add(1, std::memory_order_relaxed);
      spdlog::warn("ChangeMessageVisibilityBatch (poison backoff) failed: {}",
                   changed.status().ToString());
      continue;
    }
    for (const auto& failure : changed->failed) {
      metrics_->queue_errors.fetch_add(1, std::memory_order_relaxed);
      spdlog::warn("poison backoff of entry {} failed: {}: {}", failure.id, failure.code,
                   failure.message);
    }
  }
}

}  // namespace roadsense::worker
