// Scenario: the seeded ground truth the fleet observes besides roads — hazard sites and a
// weather zone. Immutable after Build(); safe to share across threads.
#pragma once

#include <cstdint>
#include <vector>

#include "schema/roadsense.pb.h"
#include "simulator/local_frame.h"
#include "simulator/road_network.h"

namespace roadsense::simulator {

// A hazard on a road. Vehicles entering `radius_m` around it report it once per entry.
struct HazardSite {
  int road = 0;
  double s_m = 0;
  LocalPoint point;
  double radius_m = 250;
  roadsense::v1::HazardType type = roadsense::v1::HAZARD_TYPE_UNSPECIFIED;
  uint32_t etsi_cause_code = 0;
  uint32_t ttl_s = 600;
};

// A circle of bad weather: vehicles inside report wipers, fog lights and temperature.
struct WeatherZone {
  LocalPoint center;
  double radius_m = 0;
  int32_t outside_temp_dc = 20;  // typical temperature inside the zone, tenths of °C
};

struct Scenario {
  std::vector<HazardSite> hazards;
  WeatherZone weather;

  static Scenario Build(uint64_t seed, const RoadNetwork& network, double radius_m);
};

}  // namespace roadsense::simulator
