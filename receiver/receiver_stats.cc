#include "receiver/receiver_stats.h"

#include <cstdio>

#include "core/prometheus_text.h"

namespace roadsense::receiver {
namespace {

void AppendCounter(std::string* out, std::string_view name, std::string_view help, uint64_t value) {
  AppendPrometheusMetric(out, name, help, "counter", value);
}

}  // namespace

ReceiverStats::ReceiverStats()
    // 0.5 ms .. 10 s: a durable enqueue takes about one fsync; seconds mean the queue struggles.
    : enqueue_latency_us_({500, 1000, 2000, 5000, 10000, 20000, 50000, 100000, 200000, 500000,
                           1000000, 2000000, 5000000, 10000000}),
      // SendMessageBatch takes 1..10 entries.
      batch_entries_({1, 2, 3, 4, 5, 6, 7, 8, 9, 10}),
      // A 64 KiB message holds ~28 uploads of 50 reports, hundreds of tiny ones.
      message_uploads_({1, 2, 5, 10, 20, 50, 100, 200, 500}) {}

void ReceiverStats::RecordQueueBatch(std::span<const size_t> uploads_per_entry) {
  batch_entries_.Record(uploads_per_entry.size());
  for (size_t uploads : uploads_per_entry) message_uploads_.Record(uploads);
}

void ReceiverStats::RecordAccepted(uint64_t reports, std::chrono::microseconds enqueue_latency) {
  accepted_.fetch_add(1, std::memory_order_relaxed);
  reports_.fetch_add(reports, std::memory_order_relaxed);
  RecordLatency(enqueue_latency);
}

void ReceiverStats::RecordRejected(std::string_view reason, uint64_t reports) {
  rejected_.fetch_add(1, std::memory_order_relaxed);
  std::lock_guard lock(rejected_mu_);
  auto it = rejected_by_reason_.find(reason);
  if (it == rejected_by_reason_.end()) {
    it = rejected_by_reason_.emplace(std::string(reason), Rejections{}).first;
  }
  ++it->second.uploads;
  it->second.reports += reports;
}

void ReceiverStats::RecordFailed(std::chrono::microseconds enqueue_latency) {
  failed_.fetch_add(1, std::memory_order_relaxed);
  RecordLatency(enqueue_latency);
}

void ReceiverStats::RecordResponse(int status) {
  if (status < kMinStatus || status > kMaxStatus) return;
  responses_[static_cast<size_t>(status - kMinStatus)].fetch_add(1, std::memory_order_relaxed);
}

void ReceiverStats::RecordLatency(std::chrono::microseconds latency) {
  const uint64_t us = static_cast<uint64_t>(latency.count() < 0 ? 0 : latency.count());
  enqueue_count_.fetch_add(1, std::memory_order_relaxed);
  enqueue_micros_sum_.fetch_add(us, std::memory_order_relaxed);
  enqueue_latency_us_.Record(us);
  uint64_t max = enqueue_micros_max_.load(std::memory_order_relaxed);
  while (us > max && !enqueue_micros_max_.compare_exchange_weak(max, us)) {
  }
}

ReceiverStats::Snapshot ReceiverStats::Take(bool reset_max) {
  Snapshot s;
  s.accepted = accepted_.load(std::memory_order_relaxed);
  s.rejected = rejected_.load(std::memory_order_relaxed);
  s.shed = shed_.load(std::memory_order_relaxed);
  s.failed = failed_.load(std::memory_order_relaxed);
  s.reports = reports_.load(std::memory_order_relaxed);
  s.enqueue_count = enqueue_count_.load(std::memory_order_relaxed);
  s.enqueue_micros_sum = enqueue_micros_sum_.load(std::memory_order_relaxed);
  s.enqueue_micros_max = reset_max ? enqueue_micros_max_.exchange(0)
                                   : enqueue_micros_max_.load(std::memory_order_relaxed);
  return s;
}

std::string ReceiverStats::LogLine(const Snapshot& before, const Snapshot& after, double seconds) {
  const uint64_t n = after.enqueue_count - before.enqueue_count;
  const double avg_ms =
      n == 0 ? 0.0 : (after.enqueue_micros_sum - before.enqueue_micros_sum) / 1000.0 / n;
  const double rate = seconds > 0 ? (after.reports - before.reports) / seconds : 0.0;
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "uploads accepted=%llu rejected=%llu shed=%llu failed=%llu, reports/s=%.0f, "
                "enqueue ms avg=%.2f max=%.2f",
                static_cast<unsigned long long>(after.accepted - before.accepted),
                static_cast<unsigned long long>(after.rejected - before.rejected),
                static_cast<unsigned long long>(after.shed - before.shed),
                static_cast<unsigned long long>(after.failed - before.failed), rate, avg_ms,
                after.enqueue_micros_max / 1000.0);
  return buf;
}

void ReceiverStats::AppendPrometheus(std::string* out) const {
  *out += "# HELP roadsense_receiver_http_responses_total HTTP answers by status code.\n";
  *out += "# TYPE roadsense_receiver_http_responses_total counter\n";
  for (int status = kMinStatus; status <= kMaxStatus; ++status) {
    const uint64_t n =
        responses_[static_cast<size_t>(status - kMinStatus)].load(std::memory_order_relaxed);
    if (n == 0) continue;
    *out += "roadsense_receiver_http_responses_total{code=\"" + std::to_string(status) + "\"} " +
            std::to_string(n) + "\n";
  }
  AppendCounter(out, "roadsense_receiver_uploads_accepted_total",
                "Uploads the queue stored and that were answered 200.", accepted_.load());
  AppendCounter(out, "roadsense_receiver_reports_accepted_total", "Reports in accepted uploads.",
                reports_.load());
  {
    std::lock_guard lock(rejected_mu_);
    *out += "# HELP roadsense_receiver_uploads_rejected_total Uploads answered 4xx, by reason.\n";
    *out += "# TYPE roadsense_receiver_uploads_rejected_total counter\n";
    for (const auto& [reason, r] : rejected_by_reason_) {
      *out += "roadsense_receiver_uploads_rejected_total{reason=\"" + reason + "\"} " +
              std::to_string(r.uploads) + "\n";
    }
    *out +=
        "# HELP roadsense_receiver_reports_rejected_total Reports in rejected uploads that could "
        "be decoded, by reason.\n";
    *out += "# TYPE roadsense_receiver_reports_rejected_total counter\n";
    for (const auto& [reason, r] : rejected_by_reason_) {
      *out += "roadsense_receiver_reports_rejected_total{reason=\"" + reason + "\"} " +
              std::to_string(r.reports) + "\n";
    }
  }
  AppendCounter(
      out, "roadsense_receiver_uploads_shed_total",
      "Uploads refused with 503 (too many waiting, the queue known down, or shutting down).",
      shed_.load());
  AppendCounter(out, "roadsense_receiver_uploads_failed_total",
                "Uploads answered 503 because the queue did not store them.", failed_.load());
  enqueue_latency_us_.AppendTo(out, "roadsense_receiver_enqueue_latency_seconds",
                               "From handing an upload to the enqueuer until the queue answered.",
                               1e-6);
  batch_entries_.AppendTo(out, "roadsense_receiver_queue_batch_entries",
                          "Messages per SendMessageBatch call.", 1.0);
  message_uploads_.AppendTo(out, "roadsense_receiver_queue_message_uploads",
                            "Uploads packed into one queue message.", 1.0);
}

}  // namespace roadsense::receiver
