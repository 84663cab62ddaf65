#include "worker/visibility_heartbeat.h"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace roadsense::worker {
namespace {

constexpr size_t kMaxBatchEntries = 10;  // SQS limit per ChangeMessageVisibilityBatch

}  // namespace

VisibilityHeartbeat::VisibilityHeartbeat(sqs::SqsClient* client, std::string queue_url,
                                         std::vector<std::string> receipt_handles,
                                         std::chrono::steady_clock::time_point received_at,
                                         VisibilityHeartbeatOptions options, WorkerMetrics* metrics)
    : client_(client),
      queue_url_(std::move(queue_url)),
      receipt_handles_(std::move(receipt_handles)),
      received_at_(received_at),
      options_(options),
      metrics_(metrics) {
  if (options_.visibility_timeout >= 1 && !receipt_handles_.empty()) {
    thread_ = std::thread([this] { Run(); });
  }
}

VisibilityHeartbeat::~VisibilityHeartbeat() { Stop(); }

void VisibilityHeartbeat::Stop() {
  stop_.Stop();
  if (thread_.joinable()) thread_.join();
}

void VisibilityHeartbeat::Run() {
  using std::chrono::milliseconds;
  using std::chrono::seconds;
  using Clock = std::chrono::steady_clock;
  // Half the timeout leaves the other half for the call itself (and its retries) to land.
  const milliseconds period{options_.visibility_timeout * 500};
  const seconds timeout{options_.visibility_timeout};
  Clock::time_point next = received_at_ + period;
  for (;;) {
    const auto wait =
        std::max(milliseconds{0}, std::chrono::duration_cast<milliseconds>(next - Clock::now()));
    if (stop_.WaitFor(wait)) return;
    const Clock::time_point now = Clock::now();
    if (now + timeout > received_at_ + seconds{options_.max_hold_seconds}) {
      gave_up_.store(true, std::memory_order_release);
      metrics_->batches_given_up.fetch_add(1, std::memory_order_relaxed);
      spdlog::warn(
          "batch of {} messages held {} s: no more visibility extensions (max hold {} s); they "
          "return to the queue, the ledger absorbs a second delivery",
          receipt_handles_.size(), std::chrono::duration_cast<seconds>(now - received_at_).count(),
          options_.max_hold_seconds);
      return;
    }
    Extend();
    next = now + period;
  }
}

void VisibilityHeartbeat::Extend() {
  for (size_t start = 0; start < receipt_handles_.size(); start += kMaxBatchEntries) {
    const size_t end = std::min(receipt_handles_.size(), start + kMaxBatchEntries);
    std::vector<sqs::VisibilityEntry> entries;
    for (size_t k = start; k < end; ++k) {
      entries.push_back({std::to_string(k), receipt_handles_[k], options_.visibility_timeout});
    }
    auto changed = client_->ChangeMessageVisibilityBatch(queue_url_, entries);
    if (!changed.ok()) {
      metrics_->visibility_extension_failures.fetch_add(static_cast<int64_t>(entries.size()),
                                                        std::memory_order_relaxed);
      spdlog::warn("ChangeMessageVisibilityBatch failed: {}", changed.status().ToString());
      continue;
    }
    metrics_->visibility_extensions.fetch_add(static_cast<int64_t>(changed->successful.size()),
                                              std::memory_order_relaxed);
    for (const auto& failure : changed->failed) {
      metrics_->visibility_extension_failures.fetch_add(1, std::memory_order_relaxed);
      spdlog::warn("visibility extension of entry {} failed: {}: {}", failure.id, failure.code,
                   failure.message);
    }
  }
}

}  // namespace roadsense::worker
