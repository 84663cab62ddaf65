#include "worker/batch_time.h"

namespace roadsense::worker {

int64_t BatchTimeMs(const v1::ReportBatch& batch) {
  return BatchTimeMs(batch.reports(), batch.envelope().sent_time_ms());
}

}  // namespace roadsense::worker
