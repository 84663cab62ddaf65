// Fleet: the simulated vehicles and the deterministic stream of batches they upload.
//
// Simulated time advances in ticks of report_interval_ms; in each tick every vehicle (in index
// order) makes one report, observed at start_time_ms + tick × interval + a per-vehicle phase
// (index × interval / vehicles, so the fleet does not report in lockstep). A vehicle's batch is
// sealed when it holds reports_per_batch reports; when total_reports have been made, every
// partial batch is sealed too. The batch stream is a pure function of FleetOptions.
// Not thread-safe: callers serialise NextBatch().
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "schema/roadsense.pb.h"
#include "simulator/batch_builder.h"
#include "simulator/local_frame.h"
#include "simulator/road_network.h"
#include "simulator/scenario.h"
#include "simulator/vehicle.h"

namespace roadsense::simulator {

struct FleetOptions {
  uint64_t seed = 1;
  int vehicles = 200;
  int64_t total_reports = 100000;
  int reports_per_batch = 50;
  int64_t start_time_ms = 0;  // simulated clock at tick 0, epoch ms
  int64_t report_interval_ms = 1000;
  double center_lat_deg = 48.137;
  double center_lon_deg = 11.575;
  double radius_km = 10;
  int batches_per_pseudonym = 10;
  std::string software_version = "roadsense-sim/1";
  std::string fleet_id;  // empty: not set in the envelope
};

// How much simulated time the run covers: ticks needed for total_reports, times the interval.
int64_t SimulatedSpanMs(const FleetOptions& options);

// The start_time_ms whose simulated span ends `gap_ms` before now (wall clock), so that every
// observation lies in the recent past: what roadsense-sim uses when no start time is given.
int64_t StartTimeEndingNow(const FleetOptions& options, int64_t gap_ms = 1000);

class Fleet {
 public:
  explicit Fleet(FleetOptions options);

  // The next sealed batch, or nullopt when all total_reports are in returned batches.
  std::optional<roadsense::v1::ReportBatch> NextBatch();

  int64_t reports_generated() const { return reports_generated_; }
  const RoadNetwork& network() const { return network_; }
  const Scenario& scenario() const { return scenario_; }
  const LocalFrame& frame() const { return frame_; }

 private:
  void RunTick();

  FleetOptions options_;
  LocalFrame frame_;
  RoadNetwork network_;
  Scenario scenario_;
  std::vector<std::unique_ptr<Vehicle>> vehicles_;  // Vehicle holds references: keep it pinned
  std::vector<BatchBuilder> builders_;
  std::deque<roadsense::v1::ReportBatch> ready_;
  int64_t tick_ = 0;
  int64_t reports_generated_ = 0;
};

}  // namespace roadsense::simulator
