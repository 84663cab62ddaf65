// BatchTimeMs: the time an upload is filed under in the idempotency ledger (its partition key,
// db/README.md "Partitioning"): the earliest observed_time_ms of its reports, or the envelope's
// sent_time_ms (the first send attempt's) when it has none. Depends only on the upload's content,
// so every copy of it — a queue redelivery, a car's retry — gets the same value. Pure, thread-safe.
#pragma once

#include <cstdint>

#include "schema/roadsense.pb.h"

namespace roadsense::worker {

int64_t BatchTimeMs(const v1::ReportBatch& batch);

}  // namespace roadsense::worker
