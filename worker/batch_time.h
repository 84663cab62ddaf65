// BatchTimeMs: the time an upload is filed under in the idempotency ledger (its partition key,
// db/README.md "Partitioning"): the earliest observed_time_ms of its reports, or the envelope's
// sent_time_ms (the first send attempt's) when it has none. Depends only on the upload's content,
// so every copy of it — a queue redelivery, a car's retry — gets the same value. Pure, thread-safe.
#pragma once

#include <algorithm>
#include <cstdint>
#include <iterator>

#include "schema/roadsense.pb.h"

namespace roadsense::worker {

// The rule, for any range of reports answering observed_time_ms() (v1::Report, ScannedReport).
template <typename Reports>
int64_t BatchTimeMs(const Reports& reports, int64_t sent_time_ms) {
  if (std::empty(reports)) return sent_time_ms;
  int64_t earliest = std::begin(reports)->observed_time_ms();
  for (const auto& report : reports) earliest = std::min(earliest, report.observed_time_ms());
  return earliest;
}

int64_t BatchTimeMs(const v1::ReportBatch& batch);

}  // namespace roadsense::worker
