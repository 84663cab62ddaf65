// RunSummary: the outcome of a load run (and of verification, when asked), printed for people
// and written as JSON for scripts (--out). The JSON shape is documented in simulator/README.md.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "simulator/verification_report.h"

namespace roadsense::simulator {

// One progress interval (normally a second) of a run: what the progress line showed.
struct ProgressSample {
  double t_s = 0;            // end of the interval, seconds since the run started
  double reports_per_s = 0;  // acknowledged reports per second in the interval
  double uploads_per_s = 0;  // acknowledged uploads per second in the interval
  int64_t errors = 0;        // attempts in the interval that were not acknowledged
  double p99_ms = 0;         // latency p99 of the attempts answered in the interval (0: none)
};

struct RunSummary {
  std::string mode = "closed";      // "closed" (--concurrency) or "open" (--rate)
  double target_reports_per_s = 0;  // open loop only
  int64_t uploads_sent = 0;         // batches attempted at least once
  int64_t uploads_accepted = 0;     // acknowledged (2xx)
  int64_t uploads_rejected = 0;     // final 4xx
  int64_t uploads_failed = 0;       // never acknowledged after all retries (outcome unknown)
  int64_t attempts = 0;
  int64_t retries = 0;
  int64_t transport_errors = 0;               // attempts without an HTTP answer
  std::map<int, int64_t> attempts_by_status;  // every HTTP answer, by status code
  std::map<int, int64_t> uploads_by_status;   // each upload's final HTTP status
  int64_t reports_sent = 0;
  int64_t reports_acked = 0;
  double elapsed_s = 0;
  double reports_per_s = 0;  // acknowledged reports per wall-clock second
  double uploads_per_s = 0;
  // Latency of attempts that got an HTTP answer, milliseconds. In open loop a first attempt is
  // timed from its intended send time (coordinated omission corrected), a retry from its start.
  double latency_p50_ms = 0, latency_p90_ms = 0, latency_p99_ms = 0, latency_p999_ms = 0,
         latency_max_ms = 0;
  bool stopped_by_duration = false;    // --duration-s ended the run before the fleet ran out
  std::vector<ProgressSample> series;  // per progress interval, oldest first
  std::optional<VerificationReport> verify;

  void Print(std::ostream& out) const;
  std::string ToJson() const;
};

}  // namespace roadsense::simulator
