#include "worker/batch_time.h"

#include <algorithm>

namespace roadsense::worker {

int64_t BatchTimeMs(const v1::ReportBatch& batch) {
  if (batch.reports().empty()) return batch.envelope().sent_time_ms();
  int64_t earliest = batch.reports(0).observed_time_ms();
  for (const v1::Report& report : batch.reports()) {
    earliest = std::min(earliest, report.observed_time_ms());
  }
  return earliest;
}

}  // namespace roadsense::worker
