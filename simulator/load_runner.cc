#include "simulator/load_runner.h"

#include <google/protobuf/util/json_util.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>
#include <vector>

#include "core/latency_histogram.h"
#include "simulator/send_schedule.h"

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
  LatencyHistogram interval_latency_us;  // since the last progress sample
  int64_t reports_taken = 0;             // guarded by fleet_mu: reports in batches handed out
  std::atomic<int64_t> uploads_sent{0}, uploads_accepted{0}, retries{0}, errors{0};
  std::atomic<int64_t> reports_acked{0};
  std::mutex done_mu;
  std::condition_variable done_cv;
  bool done = false;
};

// Sends one upload until it is acknowledged, finally rejected, or out of retries. Every attempt
// sends the same bytes: the idempotency key inside them must not change.
// `intended` is when the first attempt should have started (open loop: its scheduled time;
// closed loop: now); the first attempt's latency counts from it.
UploadOutcome SendWithRetries(ReportUploader& uploader, const EncodedBatch& enc,
                              const RetryPolicy& policy, std::chrono::milliseconds timeout,
                              Prng& jitter, Clock::time_point intended, RunState& st) {
  UploadOutcome out;
  std::optional<std::chrono::milliseconds> retry_after;
  for (int attempt = 0;; ++attempt) {
    if (attempt > 0) {
      out.retries = attempt;
      st.retries.fetch_add(1, std::memory_order_relaxed);
      std::this_thread::sleep_for(policy.Delay(attempt, retry_after, jitter));
    }
    const auto t0 = attempt == 0 ? std::min(intended, Clock::now()) : Clock::now();
    Result<UploadReply> reply = uploader.Upload(enc.body, enc.content_type, timeout);
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0);
    {
      std::lock_guard lock(st.stats_mu);
      ++st.summary.attempts;
      if (reply.ok()) {
        ++st.summary.attempts_by_status[reply->status];
        st.latency_us.Record(static_cast<uint64_t>(us.count()));
        st.interval_latency_us.Record(static_cast<uint64_t>(us.count()));
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

namespace {

double Ms(uint64_t us) { return static_cast<double>(us) / 1000.0; }

// The progress reporter's body: one sample per interval until `st.done`, then one for the last
// partial interval (so the series covers the whole run).
void ReportProgress(const LoadOptions& options, Clock::time_point started, RunState& st) {
  int64_t last_acked = 0, last_uploads = 0, last_errors = 0;
  auto last = started;
  auto sample = [&](Clock::time_point now) {
    const int64_t acked = st.reports_acked.load();
    const int64_t uploads = st.uploads_accepted.load();
    const int64_t errors = st.errors.load();
    const double dt = std::chrono::duration<double>(now - last).count();
    ProgressSample p;
    p.t_s = std::chrono::duration<double>(now - started).count();
    p.reports_per_s = dt > 0 ? static_cast<double>(acked - last_acked) / dt : 0.0;
    p.uploads_per_s = dt > 0 ? static_cast<double>(uploads - last_uploads) / dt : 0.0;
    p.errors = errors - last_errors;
    uint64_t p99_total_us = 0;
    {
      std::lock_guard stats(st.stats_mu);
      p.p99_ms = Ms(st.interval_latency_us.Percentile(99));
      st.interval_latency_us = LatencyHistogram();
      p99_total_us = st.latency_us.Percentile(99);
      st.summary.series.push_back(p);
    }
    last_acked = acked;
    last_uploads = uploads;
    last_errors = errors;
    last = now;
    char line[256];
    std::snprintf(line, sizeof line,
                  "%6.1f s: %.0f reports/s, uploads sent %lld acked %lld, retries %lld, "
                  "errors %lld, p99 %.2f ms (so far %.2f ms)",
                  p.t_s, p.reports_per_s, static_cast<long long>(st.uploads_sent.load()),
                  static_cast<long long>(uploads), static_cast<long long>(st.retries.load()),
                  static_cast<long long>(errors), p.p99_ms, Ms(p99_total_us));
    return std::string(line);
  };
  std::unique_lock lock(st.done_mu);
  while (!st.done_cv.wait_for(lock, options.progress_interval, [&] { return st.done; })) {
    const std::string line = sample(Clock::now());
    if (options.progress_on_terminal) {
      std::fprintf(stderr, "\r%s\033[K", line.c_str());  // rewrite the line in place
      std::fflush(stderr);
    } else {
      spdlog::info("progress: {}", line);
    }
  }
  // The last partial interval: in the series, not shown (the summary follows).
  const auto now = Clock::now();
  if (now - last >= options.progress_interval / 10) sample(now);
  if (options.progress_on_terminal && !st.summary.series.empty()) std::fputc('\n', stderr);
}

}  // namespace

RunSummary LoadRunner::Run() {
  RunState sh;
  const RetryPolicy policy(options_.max_retries, options_.initial_backoff, options_.max_backoff);
  const bool open_loop = options_.rate_reports_per_s > 0;
  const SendSchedule schedule(open_loop ? options_.rate_reports_per_s : 1, options_.ramp_up);
  const int threads = options_.concurrency < 1 ? 1 : options_.concurrency;
  std::atomic<bool> stopped_by_duration{false};
  const auto started = Clock::now();

  auto send_loop = [&](int slot) {
    std::unique_ptr<ReportUploader> uploader = factory_();
    Prng jitter = Prng::Derive(options_.jitter_seed, 0x1177E5, static_cast<uint64_t>(slot));
    if (!open_loop && options_.ramp_up.count() > 0) {
      std::this_thread::sleep_for(options_.ramp_up * slot / threads);
    }
    while (true) {
      std::optional<roadsense::v1::ReportBatch> batch;
      Clock::time_point intended;
      {
        std::lock_guard lock(sh.fleet_mu);
        if (options_.duration.count() > 0 && Clock::now() - started >= options_.duration) {
          stopped_by_duration = true;
          return;
        }
        batch = fleet_.NextBatch();
        if (!batch) return;
        intended = open_loop ? started + std::chrono::duration_cast<Clock::duration>(
                                             schedule.DueAt(sh.reports_taken))
                             : Clock::now();
        sh.reports_taken += batch->reports_size();
      }
      const EncodedBatch enc = EncodeBatch(*batch, options_.format);
      if (open_loop) std::this_thread::sleep_until(intended);
      sh.uploads_sent.fetch_add(1, std::memory_order_relaxed);

      const UploadOutcome outcome =
          SendWithRetries(*uploader, enc, policy, options_.request_timeout, jitter, intended, sh);
      RecordOutcome(*batch, outcome, truth_, sh);
    }
  };

  std::thread reporter;
  if (options_.progress_interval.count() > 0) {
    reporter = std::thread([&] { ReportProgress(options_, started, sh); });
  }

  std::vector<std::thread> senders;
  for (int i = 0; i < threads; ++i) senders.emplace_back(send_loop, i);
  for (auto& t : senders) t.join();
  {
    std::lock_guard lock(sh.done_mu);
    sh.done = true;
  }
  sh.done_cv.notify_all();
  if (reporter.joinable()) reporter.join();

  RunSummary s = std::move(sh.summary);
  s.mode = open_loop ? "open" : "closed";
  s.target_reports_per_s = open_loop ? options_.rate_reports_per_s : 0;
  s.stopped_by_duration = stopped_by_duration.load();
  s.uploads_sent = sh.uploads_sent.load();
  s.uploads_accepted = sh.uploads_accepted.load();
  s.retries = sh.retries.load();
  s.reports_acked = sh.reports_acked.load();
  s.elapsed_s = std::chrono::duration<double>(Clock::now() - started).count();
  if (s.elapsed_s > 0) {
    s.reports_per_s = static_cast<double>(s.reports_acked) / s.elapsed_s;
    s.uploads_per_s = static_cast<double>(s.uploads_accepted) / s.elapsed_s;
  }
  s.latency_p50_ms = Ms(sh.latency_us.Percentile(50));
  s.latency_p90_ms = Ms(sh.latency_us.Percentile(90));
  s.latency_p99_ms = Ms(sh.latency_us.Percentile(99));
  s.latency_p999_ms = Ms(sh.latency_us.Percentile(99.9));
  s.latency_max_ms = Ms(sh.latency_us.max());
  return s;
}

}  // namespace roadsense::simulator
