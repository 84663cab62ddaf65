// LoadRunner: uploads the Fleet's batches with `concurrency` sending threads and keeps score.
//
// Each thread owns one ReportUploader (one keep-alive connection), takes the next batch from the
// Fleet (serialised by a mutex, so the batch stream stays deterministic whatever the thread
// timing), encodes it once and sends it until it is acknowledged (2xx), rejected (final 4xx) or
// out of retries — a retry resends the same bytes, so the (pseudonym, sequence) idempotency key
// is the same. Acknowledged batches go into the GroundTruth. Run() blocks until every batch taken
// has an outcome.
//
// Closed loop (rate 0): each thread sends its next batch as soon as the previous one has an
// outcome; with a ramp-up, thread i starts after i/concurrency of it. Open loop (rate > 0): each
// batch has an intended send time from a SendSchedule; a thread waits for it if early, and the
// first attempt's latency is measured from it, so time spent waiting for a free thread (all
// `concurrency` in flight) counts — no coordinated omission. A reporter thread shows progress
// once per interval (a self-rewriting line on a terminal, plain log lines otherwise) and records
// the series for the summary.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "simulator/fleet.h"
#include "simulator/ground_truth.h"
#include "simulator/report_uploader.h"
#include "simulator/retry_policy.h"
#include "simulator/run_summary.h"

namespace roadsense::simulator {

enum class WireFormat { kProtobuf, kJson };

struct LoadOptions {
  int concurrency = 16;
  WireFormat format = WireFormat::kProtobuf;
  int max_retries = 20;
  std::chrono::milliseconds request_timeout{10000};
  std::chrono::milliseconds initial_backoff{50};
  std::chrono::milliseconds max_backoff{5000};
  std::chrono::milliseconds progress_interval{1000};  // 0: no progress lines
  uint64_t jitter_seed = 1;               // retry jitter only; never affects batch contents
  double rate_reports_per_s = 0;          // > 0: open loop at this many reports per second
  std::chrono::milliseconds ramp_up{0};   // linear ramp of the rate (open) or threads (closed)
  std::chrono::milliseconds duration{0};  // > 0: take no new batch after this long
  bool progress_on_terminal = false;      // rewrite one stderr line instead of logging lines
};

// The request body and its Content-Type for `batch` in `format`.
struct EncodedBatch {
  std::string body;
  std::string content_type;
};
EncodedBatch EncodeBatch(const roadsense::v1::ReportBatch& batch, WireFormat format);

class LoadRunner {
 public:
  // `fleet` and `truth` must outlive Run(); the runner is their only user meanwhile.
  LoadRunner(LoadOptions options, Fleet& fleet, GroundTruth& truth, ReportUploaderFactory factory);

  RunSummary Run();

 private:
  LoadOptions options_;
  Fleet& fleet_;
  GroundTruth& truth_;
  ReportUploaderFactory factory_;
};

}  // namespace roadsense::simulator
