#include "bench/simulated_fleet.h"

namespace roadsense::bench {

void SimulatedFleetFlags::AddTo(FlagSet& flags) {
  flags.AddInt("seed", &seed, "simulator seed");
  flags.AddInt("vehicles", &vehicles, "simulated vehicles");
  flags.AddInt("reports", &reports, "reports to generate");
  flags.AddInt("reports-per-batch", &reports_per_batch, "reports per upload");
}

simulator::FleetOptions SimulatedFleetFlags::Options() const {
  simulator::FleetOptions options;
  options.seed = static_cast<uint64_t>(seed);
  options.vehicles = vehicles;
  options.total_reports = reports;
  options.reports_per_batch = reports_per_batch;
  options.start_time_ms = simulator::StartTimeEndingNow(options);
  return options;
}

}  // namespace roadsense::bench
