#include "simulator/load_runner.h"

#include <google/protobuf/util/json_util.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "core/latency_histogram.h"

namespace roadsense::simulator {

using Clock = std::chrono::steady_clock;

namespace {

struct UploadOutcome {
  int final_status = 0;  // status of the last attempt; 0 when it got no HTTP answer
  int retries = 0;
  std::string last_body;   // of the last HTTP answer
  std::string last_error;  // of the last attempt without an HTTP answer
};

// State shared by the sending threads and the progress reporter.
struct RunState {
  std::mutex fleet_mu;  // guards the Fleet (NextBatch)
  std::mutex stats_mu;  // guards summary maps, histogram and the GroundTruth
  RunSummary summary;
  LatencyHistogram latency_us;
  std::atomic<int64_t> uploads_sent{0}, uploads_accepted{0}, retries{0}, errors{0};
  std::atomic<int64_t> reports_acked{0};
  std::mutex done_mu;
  std::condition_variable done_cv;
  bool done = false;
};

// Sends one upload until it is acknowledged, finally rejected, or out of retries. Every attempt
// sends the same bytes: the idempotency key inside them must not change.
UploadOutcome SendWithRetries(ReportUploader& uploader, const EncodedBatch& enc,
                              const RetryPolicy& policy, std::chrono::milliseconds timeout,
                              Prng& jitter, RunState& st) {
  UploadOutcome out;
  std::optional<std::chrono::milliseconds> retry_after;
  for (int attempt = 0;; ++attempt) {
    if (attempt > 0) {
      out.retries = attempt;
      st.retries.fetch_add(1, std::memory_order_relaxed);
      std::this_thread::sleep_for(policy.Delay(attempt, retry_after, jitter));
    }
    const auto t0 = Clock::now();
    Result<UploadReply> reply = uploader.Upload(enc.body, enc.content_type, timeout);
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0);
    {
      std::lock_guard lock(st.stats_mu);
      ++st.summary.attempts;
      if (reply.ok()) {
        ++st.summary.attempts_by_status[reply->status];
        st.latency_us.Record(static_cast<uint64_t>(us.count()));
      } else {
        ++st.summary.transport_errors;
      }
    }
    if (reply.ok()) {
      out.final_status = reply->status;
      out.last_body = std::move(reply->body);
      retry_after = reply->retry_after;
      if (!RetryPolicy::IsRetryableStatus(out.final_status)) return out;  // 2xx or final 4xx
    } else {
      out.final_status = 0;
      retry_after.reset();
      out.last_error = reply.status().ToString();
      spdlog::debug("upload attempt failed: {}", out.last_error);
    }
    st.errors.fetch_add(1, std::memory_order_relaxed);
    if (attempt >= policy.max_retries()) return out;
  }
}

// Books one upload's outcome; only acknowledged batches become ground truth.
void RecordOutcome(const roadsense::v1::ReportBatch& batch, const UploadOutcome& outcome,
                   GroundTruth& truth, RunState& st) {
  const auto& env = batch.envelope();
  const int status = outcome.final_status;
  const int64_t n = batch.reports_size();
  std::lock_guard lock(st.stats_mu);
  st.summary.reports_sent += n;
  if (status != 0) ++st.summary.uploads_by_status[status];
  if (RetryPolicy::IsSuccess(status)) {
    st.uploads_accepted.fetch_add(1, std::memory_order_relaxed);
    st.reports_acked.fetch_add(n, std::memory_order_relaxed);
    truth.Add(batch);
  } else if (status != 0 && !RetryPolicy::IsRetryableStatus(status)) {
    ++st.summary.uploads_rejected;
    spdlog::warn("upload {}#{} rejected with {}: {}", env.vehicle_pseudonym(), env.batch_sequence(),
                 status, outcome.last_body);
  } else {
    ++st.summary.uploads_failed;
    spdlog::error("upload {}#{} never acknowledged after {} retries; last: {}",
                  env.vehicle_pseudonym(), env.batch_sequence(), outcome.retries,
                  status != 0 ? "HTTP " + std::to_string(status) : outcome.last_error);
  }
}

}  // namespace

EncodedBatch EncodeBatch(const roadsense::v1::ReportBatch& batch, WireFormat format) {
  EncodedBatch out;
  if (format == WireFormat::kJson) {
    // Cannot fail for a message built by the simulator (no Any/unknown types involved).
    (void)google::protobuf::util::MessageToJsonString(batch, &out.body);
    out.content_type = "application/json";
  } else {
    batch.SerializeToString(&out.body);
    out.content_type = "application/x-protobuf";
  }
  return out;
}

LoadRunner::LoadRunner(LoadOptions options, Fleet& fleet, GroundTruth& truth,
                       ReportUploaderFactory factory)
    : options_(options), fleet_(fleet), truth_(truth), factory_(std::move(factory)) {}

RunSummary LoadRunner::Run() {
  RunState sh;
  const RetryPolicy policy(options_.max_retries, options_.initial_backoff, options_.max_backoff);
  const auto started = Clock::now();

  auto send_loop = [&](int slot) {
    std::unique_ptr<ReportUploader> uploader = factory_();
    Prng jitter = Prng::Derive(options_.jitter_seed, 0x1177E5, static_cast<uint64_t>(slot));
    while (true) {
      std::optional<roadsense::v1::ReportBatch> batch;
      {
        std::lock_guard lock(sh.fleet_mu);
        batch = fleet_.NextBatch();
      }
      if (!batch) return;
      const EncodedBatch enc = EncodeBatch(*batch, options_.format);
      sh.uploads_sent.fetch_add(1, std::memory_order_relaxed);

      const UploadOutcome outcome =
          SendWithRetries(*uploader, enc, policy, options_.request_timeout, jitter, sh);
      RecordOutcome(*batch, outcome, truth_, sh);
    }
  };

  std::thread reporter;
  if (options_.progress_interval.count() > 0) {
    reporter = std::thread([&] {
      int64_t last_acked = 0;
      auto last = Clock::now();
      std::unique_lock lock(sh.done_mu);
      while (!sh.done_cv.wait_for(lock, options_.progress_interval, [&] { return sh.done; })) {
        const auto now = Clock::now();
        const int64_t acked = sh.reports_acked.load();
        const double dt = std::chrono::duration<double>(now - last).count();
        uint64_t p99_us = 0;
        {
          std::lock_guard stats(sh.stats_mu);
          p99_us = sh.latency_us.Percentile(99);
        }
        spdlog::info(
            "progress: uploads sent {} acked {}, retries {}, errors {}, {:.0f} reports/s, "
            "p99 {:.2f} ms",
            sh.uploads_sent.load(), sh.uploads_accepted.load(), sh.retries.load(), sh.errors.load(),
            dt > 0 ? static_cast<double>(acked - last_acked) / dt : 0.0,
            static_cast<double>(p99_us) / 1000.0);
        last_acked = acked;
        last = now;
      }
    });
  }

  std::vector<std::thread> senders;
  const int threads = options_.concurrency < 1 ? 1 : options_.concurrency;
  for (int i = 0; i < threads; ++i) senders.emplace_back(send_loop, i);
  for (auto& t : senders) t.join();
  {
    std::lock_guard lock(sh.done_mu);
    sh.done = true;
  }
  sh.done_cv.notify_all();
  if (reporter.joinable()) reporter.join();

  RunSummary s = std::move(sh.summary);
  s.uploads_sent = sh.uploads_sent.load();
  s.uploads_accepted = sh.uploads_accepted.load();
  s.retries = sh.retries.load();
  s.reports_acked = sh.reports_acked.load();
  s.elapsed_s = std::chrono::duration<double>(Clock::now() - started).count();
  if (s.elapsed_s > 0) {
    s.reports_per_s = static_cast<double>(s.reports_acked) / s.elapsed_s;
    s.uploads_per_s = static_cast<double>(s.uploads_accepted) / s.elapsed_s;
  }
  s.latency_p50_ms = static_cast<double>(sh.latency_us.Percentile(50)) / 1000.0;
  s.latency_p90_ms = static_cast<double>(sh.latency_us.Percentile(90)) / 1000.0;
  s.latency_p99_ms = static_cast<double>(sh.latency_us.Percentile(99)) / 1000.0;
  s.latency_max_ms = static_cast<double>(sh.latency_us.max()) / 1000.0;
  return s;
}

}  // namespace roadsense::simulator
