// Scenario: the seeded ground truth the fleet observes besides roads — hazard sites, traffic
// jams and weather zones, each with a place and a start/end time inside the simulated span.
// Immutable after Build(); safe to share across threads.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "schema/roadsense.pb.h"
#include "simulator/local_frame.h"
#include "simulator/road_network.h"

namespace roadsense::simulator {

// A hazard on a road, present in [start_ms, end_ms). Drivers slow down within `radius_m` of it.
// Vehicles coming within `report_radius_m` of it while it is present report it with probability
// `detection_probability` (the others miss it); after it has gone, vehicles coming that close may
// report its cancellation (see HazardPerception). Point hazards (an accident, a breakdown, ...)
// sit at a junction and are reported by the cars passing the spot (report_radius_m =
// kSpotRadiusM); area hazards (fog, heavy rain) are reported on entering their radius.
// Cars report a point hazard within this distance of its spot: at most 28 m per one-second step
// (100 km/h), so every car on a road through the spot has a position this close.
inline constexpr double kSpotRadiusM = 15;

struct HazardSite {
  int road = 0;
  double s_m = 0;
  LocalPoint point;
  double radius_m = 250;
  double report_radius_m = 250;  // radius_m for area hazards, kSpotRadiusM for point hazards
  roadsense::v1::HazardType type = roadsense::v1::HAZARD_TYPE_UNSPECIFIED;
  uint32_t etsi_cause_code = 0;
  uint32_t ttl_s = 600;
  int64_t start_ms = 0;
  int64_t end_ms = 0;
  double detection_probability = 0.8;
  double mean_confidence_pct = 80;  // of a report from right at the site

  bool ActiveAt(int64_t t_ms) const { return t_ms >= start_ms && t_ms < end_ms; }
};

// Slow traffic on road `road` between arc positions [from_s_m, to_s_m) during [start_ms, end_ms).
struct TrafficJam {
  int road = 0;
  double from_s_m = 0;
  double to_s_m = 0;
  int64_t start_ms = 0;
  int64_t end_ms = 0;
  double speed_ms = 3;  // typical speed inside the jam
};

enum class WeatherKind { kRain, kFog };

// A circle of bad weather during [start_ms, end_ms): vehicles inside drive slower and report
// wipers (rain), fog lights (fog) and the temperature.
struct WeatherZone {
  WeatherKind kind = WeatherKind::kRain;
  LocalPoint center;
  double radius_m = 0;
  int64_t start_ms = 0;
  int64_t end_ms = 0;
  int32_t outside_temp_dc = 20;  // typical temperature inside the zone, tenths of °C

  bool Covers(LocalPoint p, int64_t t_ms) const;
};

struct Scenario {
  std::vector<HazardSite> hazards;
  std::vector<TrafficJam> jams;
  std::vector<WeatherZone> weather;

  // Sites and times are seeded; times fall in [start_ms, start_ms + span_ms) (some hazards start
  // before the run, some end during it).
  static Scenario Build(uint64_t seed, const RoadNetwork& network, double radius_m,
                        int64_t start_ms, int64_t span_ms);

  // The speed of the jam that covers (road, s_m) at t_ms, or — looking `lookahead_m` ahead in
  // `direction` (+1/−1 along the arc) — the one the vehicle is about to enter; nullopt if none.
  std::optional<double> JamSpeedAhead(int road, double s_m, int direction, double lookahead_m,
                                      int64_t t_ms) const;
  // The first weather zone covering p at t_ms, or nullptr.
  const WeatherZone* WeatherAt(LocalPoint p, int64_t t_ms) const;
};

}  // namespace roadsense::simulator
