// MapVerifier: reads the worker's tile_stats table to check the map against ground truth.
//
// Only z = 16 rows with bucket_start in [first_bucket_ms, last_bucket_ms] are read: the cells a
// run can touch. A missing tile_stats table reads as empty (the worker may not have migrated yet).
// Each call opens its own connection, so a database restart between calls does no harm.
// Not thread-safe. libpqxx exceptions stay inside; errors come back as Status.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "core/status.h"
#include "simulator/ground_truth.h"

namespace roadsense::simulator {

class MapVerifier {
 public:
  MapVerifier(std::string connection_string, int64_t first_bucket_ms, int64_t last_bucket_ms);

  // Every compared cell's counters.
  Result<CellMap> Snapshot() const;
  // Sum of `reports` over the compared cells.
  Result<int64_t> SumReports() const;

  // Polls SumReports() until it reaches `target` (or more) or `timeout` passes; returns the last
  // sum read (-1 if none could be read). Logs progress every few seconds.
  int64_t WaitForReports(int64_t target, std::chrono::milliseconds timeout) const;

 private:
  std::string connection_string_;
  int64_t first_bucket_ms_;
  int64_t last_bucket_ms_;
};

}  // namespace roadsense::simulator
