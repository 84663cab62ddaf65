// SimulatedFleetFlags: the simulator flags the worker benchmarks share (--seed, --vehicles,
// --reports, --reports-per-batch), so that they generate the very report stream roadsense-sim
// sends for the same flags. Not thread-safe; one per program.
#pragma once

#include <cstdint>

#include "core/flag_set.h"
#include "simulator/fleet.h"

namespace roadsense::bench {

struct SimulatedFleetFlags {
  int seed = 1;
  int vehicles = 1000;
  int64_t reports = 300000;
  int reports_per_batch = 50;

  // Registers the four flags on `flags`, which must outlive no one: values land in this struct.
  void AddTo(FlagSet& flags);
  // The fleet roadsense-sim runs for these flags: its simulated span ends a second before now.
  simulator::FleetOptions Options() const;
};

}  // namespace roadsense::bench
