// ReportValidator: checks a decoded ReportBatch against the rules of schema/roadsense.proto
// (documented field by field in schema/README.md).
//
// The whole batch is accepted or rejected: Validate() returns every problem it finds, each as
// "<field path>: <problem and the limit>", e.g.
//   "reports[3].position.lat_e7: 95.2° is outside -85.05112878..85.05112878".
// An empty list means the batch is valid. The caller passes the current time, so validation is a
// pure function of its inputs (deterministic in tests). Thread-safe (no mutable state).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "schema/roadsense.pb.h"

namespace roadsense::receiver {

struct ValidationLimits {
  int max_reports = 1000;                       // reports per batch
  int64_t max_age_ms = 7LL * 24 * 3600 * 1000;  // observed_time_ms may be this far in the past
  int64_t max_future_ms = 5LL * 60 * 1000;      // ... and this far in the future (clock skew)
  // At most this many problems are listed; the last line then says how many were left out.
  int max_problems = 100;
};

class ReportValidator {
 public:
  explicit ReportValidator(ValidationLimits limits) : limits_(limits) {}

  // Every problem of `batch`, judged at `now_ms` (Unix epoch milliseconds). Empty: valid.
  std::vector<std::string> Validate(const roadsense::v1::ReportBatch& batch, int64_t now_ms) const;

  const ValidationLimits& limits() const { return limits_; }

 private:
  ValidationLimits limits_;
};

}  // namespace roadsense::receiver
