// RunSummary: the outcome of a load run (and of verification, when asked), printed for people
// and written as JSON for scripts (--out). The JSON shape is documented in simulator/README.md.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <string>

namespace roadsense::simulator {

struct VerifySummary {
  bool ok = false;
  std::string message;  // the "verify: ..." line
  int64_t tiles = 0;    // cells in ground truth
  int64_t mismatched_cells = 0;
  int64_t expected_reports = 0;
  int64_t observed_reports = 0;  // sum of tile_stats.reports deltas
};

struct RunSummary {
  int64_t uploads_sent = 0;      // batches attempted at least once
  int64_t uploads_accepted = 0;  // acknowledged (2xx)
  int64_t uploads_rejected = 0;  // final 4xx
  int64_t uploads_failed = 0;    // never acknowledged after all retries (outcome unknown)
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
  // Latency of attempts that got an HTTP answer, milliseconds.
  double latency_p50_ms = 0, latency_p90_ms = 0, latency_p99_ms = 0, latency_max_ms = 0;
  std::optional<VerifySummary> verify;

  void Print(std::ostream& out) const;
  std::string ToJson() const;
};

}  // namespace roadsense::simulator
