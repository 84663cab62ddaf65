#include "worker/poll_loop.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <future>
#include <mutex>
#include <utility>

#include "db/ingest_store.h"
#include "worker/poison_backoff.h"
#include "worker/run_concurrently.h"

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

void GatherFullReceives(std::vector<sqs::ReceivedMessage>* messages, size_t full,
                        const std::function<Result<std::vector<sqs::ReceivedMessage>>()>& receive,
                        const PollLoopOptions& options, const std::function<bool()>& busy) {
  // Several receives at a time share the queue's work: its group commit logs and fsyncs their
  // Receive records together, and its threads wake once for several requests (one at a time, the
  // queue spent ~20 µs per message of a drain on receiving and deleting).
  int64_t held_bytes = 0;
  for (const auto& m : *messages) held_bytes += static_cast<int64_t>(m.body.size());
  std::mutex mu;  // guards *messages, held_bytes, in_flight, more
  size_t in_flight = 0;
  bool more = messages->size() == full;
  const size_t width = static_cast<size_t>(std::max(options.queue_calls_in_flight, 1));
  RunConcurrently(width, width, [&](size_t) {
    for (;;) {
      {
        std::lock_guard lock(mu);
        // Each receive in flight counts as full: the group stays within its caps.
        if (!more || !ShouldReceiveMore(full, full, messages->size() + in_flight * full, held_bytes,
                                        options)) {
          return;
        }
        // Nothing to overlap any more: the receives so far become the next transaction now.
        if (busy && !busy()) return;
        ++in_flight;
      }
      auto got = receive();
      std::lock_guard lock(mu);
      --in_flight;
      // A failure ends the gathering: process what is held; the next round reports the error.
      if (!got.ok() || got->size() < full) more = false;
      if (!got.ok()) return;
      for (auto& m : *got) {
        held_bytes += static_cast<int64_t>(m.body.size());
        messages->push_back(std::move(m));
      }
    }
  });
}

PollLoop::PollLoop(sqs::SqsClient* client, PollLoopOptions options, WorkerMetrics* metrics)
    : client_(client), options_(std::move(options)), metrics_(metrics) {}

void PollLoop::Run(const StopSignal& stop) {
  db::IngestStore store(options_.db_connection);
  MessageProcessor processor(&store, options_.bucket_seconds, metrics_);
  std::future<Result<HeldMessages>> next;  // the group received while a transaction runs
  std::future<void> finishing;             // the previous group's deletes
  std::atomic<bool> committing{false};     // a group's transaction runs: the next one gathers

  milliseconds backoff = kMinBackoff;
  auto back_off = [&] {
    stop.WaitFor(backoff);
    backoff = std::min(backoff * 2, kMaxBackoff);
  };
  // A prefetched group is processed even when stop arrived meanwhile: it is a batch in hand.
  while (next.valid() || !stop.stopped()) {
    Result<HeldMessages> received = HeldMessages{};
    if (next.valid()) {
      received = next.get();
    } else {
      // No receive while PostgreSQL is down: received messages would only time out again.
      if (Status s = store.Connect(); !s.ok()) {
        metrics_->database_errors.fetch_add(1, std::memory_order_relaxed);
        spdlog::warn("{}; retrying in {} ms", s.message(), backoff.count());
        back_off();
        continue;
      }
      received = Receive(processor, committing);
    }
    if (!received.ok()) {
      metrics_->queue_errors.fetch_add(1, std::memory_order_relaxed);
      spdlog::warn("ReceiveMessage failed: {}; retrying in {} ms", received.status().ToString(),
                   backoff.count());
      back_off();
      continue;
    }
    HeldMessages held = std::move(*received);
    if (held.messages.empty()) {
      metrics_->oldest_message_age_ms.store(0, std::memory_order_relaxed);
      continue;
    }
    const auto busy_from = std::chrono::steady_clock::now();
    metrics_->messages_received.fetch_add(held.messages.size(), std::memory_order_relaxed);
    metrics_->oldest_message_age_ms.store(OldestAgeMs(held.messages), std::memory_order_relaxed);
    // Receive and prepare the next group while this one is committed (the connection is up:
    // Connect() or the previous transaction just succeeded).
    committing.store(true);
    if (!stop.stopped() && store.connected()) {
      next = std::async(std::launch::async,
                        [this, &processor, &committing] { return Receive(processor, committing); });
    }
    ProcessResult result = processor.Commit(std::move(held.prepared), held.messages);
    committing.store(false);
    // The last extension left at least half a timeout for the deletes; no extension may race them.
    held.heartbeat->Stop();
    const Status status = result.status;
    // Only receipt handles, ids and attributes are needed from here on; free the bodies.
    for (auto& m : held.messages) std::string().swap(m.body);
    if (finishing.valid()) finishing.get();
    finishing =
        std::async(std::launch::async, [this, held = std::move(held), result = std::move(result)] {
          Finish(held.messages, result);
        });
    metrics_->busy_us.fetch_add(std::chrono::duration_cast<std::chrono::microseconds>(
                                    std::chrono::steady_clock::now() - busy_from)
                                    .count(),
                                std::memory_order_relaxed);
    if (!status.ok()) {
      spdlog::error("batch not committed, messages left for redelivery: {}", status.ToString());
      back_off();
      continue;
    }
    backoff = kMinBackoff;
  }
  if (finishing.valid()) finishing.get();
}

Result<PollLoop::HeldMessages> PollLoop::Receive(const MessageProcessor& processor,
                                                 const std::atomic<bool>& committing) const {
  sqs::ReceiveOptions receive;
  receive.max_messages = 10;
  receive.wait_time_seconds = options_.wait_seconds;
  receive.visibility_timeout = options_.visibility_timeout;
  receive.attribute_names = {"ApproximateReceiveCount", "SentTimestamp"};
  auto received = client_->ReceiveMessage(options_.queue_url, receive);
  // The visibility timeout runs from (a few ms before) here, not from the long poll's start.
  const auto received_at = std::chrono::steady_clock::now();
  if (!received.ok()) return received.status();
  HeldMessages held;
  held.messages = std::move(*received);
  if (held.messages.empty()) return held;
  // A full receive means more are waiting: gather them into the same transaction.
  receive.wait_time_seconds = 0;
  GatherFullReceives(
      &held.messages, static_cast<size_t>(receive.max_messages),
      [&] { return client_->ReceiveMessage(options_.queue_url, receive); }, options_,
      [&] { return committing.load(); });
  std::vector<std::string> handles;
  handles.reserve(held.messages.size());
  for (const auto& m : held.messages) handles.push_back(m.receipt_handle);
  held.heartbeat = std::make_unique<VisibilityHeartbeat>(
      client_, options_.queue_url, std::move(handles), received_at,
      VisibilityHeartbeatOptions{.visibility_timeout = options_.visibility_timeout,
                                 .max_hold_seconds = options_.max_hold_seconds},
      metrics_);
  held.prepared = processor.Prepare(held.messages);
  return held;
}

void PollLoop::Finish(const std::vector<sqs::ReceivedMessage>& messages,
                      const ProcessResult& result) {
  Delete(messages, result.deletable);
  BackOffPoison(messages, result.poison);
}

void PollLoop::Delete(const std::vector<sqs::ReceivedMessage>& messages,
                      const std::vector<size_t>& indices) {
  // Up to queue_calls_in_flight batches at a time: the queue logs and fsyncs concurrent deletes
  // together (as for the receives above).
  const size_t batches = (indices.size() + kMaxDeleteBatch - 1) / kMaxDeleteBatch;
  RunConcurrently(batches, static_cast<size_t>(options_.queue_calls_in_flight), [&](size_t b) {
    const size_t start = b * kMaxDeleteBatch;
    std::vector<sqs::DeleteEntry> entries;
    for (size_t k = start; k < std::min(indices.size(), start + kMaxDeleteBatch); ++k) {
      entries.push_back({std::to_string(indices[k]), messages[indices[k]].receipt_handle});
    }
    auto deleted = client_->DeleteMessageBatch(options_.queue_url, entries);
    if (!deleted.ok()) {
      // Harmless for correctness: the messages come back and the ledger drops them.
      metrics_->queue_errors.fetch_add(1, std::memory_order_relaxed);
      spdlog::warn("DeleteMessageBatch failed: {}", deleted.status().ToString());
      return;
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
  });
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
