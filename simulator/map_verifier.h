// MapVerifier: reads what the pipeline built — the worker's tile_stats table (exact totals) and
// the consumer views active_hazards and speed_limits (quality) — to check it against ground truth.
//
// Only z = 16 rows with bucket_start in [first_bucket_ms, last_bucket_ms] are read: the cells a
// run can touch. A missing tile_stats table reads as empty (the worker may not have migrated yet).
// Each call opens its own connection, so a database restart between calls does no harm.
// Not thread-safe. libpqxx exceptions stay inside; errors come back as Status.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "simulator/ground_truth.h"
#include "simulator/map_quality.h"

namespace roadsense::simulator {

// What consumers see, read in one transaction.
struct ConsumerView {
  int64_t k = 0;       // map_k_anonymity()
  int64_t now_ms = 0;  // the database's now(), at which the views were evaluated
  std::vector<ActiveHazardRow> hazards;
  std::vector<SpeedLimitRow> speed_limits;
};

class MapVerifier {
 public:
  MapVerifier(std::string connection_string, int64_t first_bucket_ms, int64_t last_bucket_ms);

  // Every compared cell's counters.
  Result<CellMap> Snapshot() const;
  // Sum of `reports` over the compared cells.
  Result<int64_t> SumReports() const;

  // active_hazards and speed_limits rows (zoom 18 / 16) last seen at or after `since_ms`: what
  // this run can have contributed to. Fails if the views do not exist.
  Result<ConsumerView> ReadConsumerView(int64_t since_ms) const;

 private:
  std::string connection_string_;
  int64_t first_bucket_ms_;
  int64_t last_bucket_ms_;
};

}  // namespace roadsense::simulator
