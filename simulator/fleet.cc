#include "simulator/fleet.h"

#include <chrono>
#include <utility>

namespace roadsense::simulator {

int64_t SimulatedSpanMs(const FleetOptions& options) {
  const int64_t v = options.vehicles > 0 ? options.vehicles : 1;
  const int64_t ticks = (options.total_reports + v - 1) / v;
  return ticks * options.report_interval_ms;
}

int64_t StartTimeEndingNow(const FleetOptions& options, int64_t gap_ms) {
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  return now_ms - SimulatedSpanMs(options) - gap_ms;
}

Fleet::Fleet(FleetOptions options)
    : options_(std::move(options)),
      frame_(options_.center_lat_deg, options_.center_lon_deg),
      network_(RoadNetwork::Build(options_.seed, options_.radius_km * 1000)),
      scenario_(Scenario::Build(options_.seed, network_, options_.radius_km * 1000,
                                options_.start_time_ms, SimulatedSpanMs(options_))) {
  const auto run_salt = static_cast<uint64_t>(options_.start_time_ms);
  for (int i = 0; i < options_.vehicles; ++i) {
    vehicles_.push_back(std::make_unique<Vehicle>(options_.seed, i, network_, scenario_));
    builders_.emplace_back(
        VehicleIdentity(options_.seed, run_salt, i, options_.batches_per_pseudonym),
        options_.software_version, options_.fleet_id);
  }
}

std::optional<roadsense::v1::ReportBatch> Fleet::NextBatch() {
  while (ready_.empty() && reports_generated_ < options_.total_reports) RunTick();
  if (ready_.empty()) {
    // All reports made: flush the partial batches, once.
    for (auto& b : builders_) {
      if (!b.empty()) ready_.push_back(b.Seal());
    }
  }
  if (ready_.empty()) return std::nullopt;
  roadsense::v1::ReportBatch out = std::move(ready_.front());
  ready_.pop_front();
  return out;
}

void Fleet::RunTick() {
  const double dt_s = static_cast<double>(options_.report_interval_ms) / 1000.0;
  const int64_t n = static_cast<int64_t>(vehicles_.size());
  for (int64_t i = 0; i < n && reports_generated_ < options_.total_reports; ++i) {
    const int64_t phase = i * options_.report_interval_ms / n;
    const int64_t t = options_.start_time_ms + tick_ * options_.report_interval_ms + phase;
    BatchBuilder& builder = builders_[static_cast<size_t>(i)];
    vehicles_[static_cast<size_t>(i)]->Step(t, dt_s, frame_, builder.AddReport());
    ++reports_generated_;
    if (builder.size() >= options_.reports_per_batch) ready_.push_back(builder.Seal());
  }
  ++tick_;
}

}  // namespace roadsense::simulator
