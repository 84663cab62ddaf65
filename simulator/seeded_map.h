// SeededMap: the scenario's ground truth in map terms — what a perfect map would show. Hazard
// sites with their place (degrees), radius, type and lifetime; speed-limit signs as the
// speed_limits cells (zoom-16 tile of the sign, heading sector of each direction of travel) and
// their posted value. Pure value type.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "simulator/ground_truth.h"
#include "simulator/local_frame.h"
#include "simulator/road_network.h"
#include "simulator/scenario.h"

namespace roadsense::simulator {

struct SeededHazard {
  size_t site = 0;          // index in Scenario::hazards (= HazardPerception::SiteOfEventId)
  int32_t hazard_type = 0;  // roadsense.v1.HazardType
  double lat_deg = 0;
  double lon_deg = 0;
  double radius_m = 0;   // the area it affects
  int64_t start_ms = 0;  // present in [start_ms, end_ms)
  int64_t end_ms = 0;
};

struct SeededSpeedLimit {
  SpeedLimitCellKey cell;
  int32_t limit_kmh = 0;
  auto operator<=>(const SeededSpeedLimit&) const = default;
};

struct SeededMap {
  std::vector<SeededHazard> hazards;
  // One per (cell, value), ascending: a sign seen from both directions gives two cells; signs of
  // one road in one tile and direction give one.
  std::vector<SeededSpeedLimit> speed_limits;

  static SeededMap From(const Scenario& scenario, const RoadNetwork& network,
                        const LocalFrame& frame);
};

}  // namespace roadsense::simulator
