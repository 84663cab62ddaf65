#include "simulator/scenario.h"

#include <cmath>

#include "simulator/prng.h"

namespace roadsense::simulator {
namespace {

constexpr int kHazardSites = 4;

struct HazardKind {
  roadsense::v1::HazardType type;
  uint32_t etsi_cause_code;
  uint32_t ttl_s;
};
// ETSI DENM cause codes per shared/ref/domain.md.
constexpr HazardKind kHazardKinds[] = {
    {roadsense::v1::HAZARD_TYPE_SLIPPERY_ROAD, 6, 1800},
    {roadsense::v1::HAZARD_TYPE_FOG, 18, 3600},
    {roadsense::v1::HAZARD_TYPE_BREAKDOWN, 91, 900},
    {roadsense::v1::HAZARD_TYPE_ROADWORKS, 3, 86400},
    {roadsense::v1::HAZARD_TYPE_OBSTACLE, 10, 600},
    {roadsense::v1::HAZARD_TYPE_END_OF_QUEUE, 27, 300},
};

}  // namespace

Scenario Scenario::Build(uint64_t seed, const RoadNetwork& network, double radius_m) {
  Prng rng = Prng::Derive(seed, 0x5CE7A);
  Scenario s;
  for (int i = 0; i < kHazardSites; ++i) {
    HazardSite h;
    h.road = static_cast<int>(rng.Below(network.roads().size()));
    h.s_m = rng.Uniform(0.1, 0.9) * network.road(h.road).length_m;
    h.point = network.PointAt(h.road, h.s_m).point;
    const HazardKind& kind = kHazardKinds[rng.Below(std::size(kHazardKinds))];
    h.type = kind.type;
    h.etsi_cause_code = kind.etsi_cause_code;
    h.ttl_s = kind.ttl_s;
    s.hazards.push_back(h);
  }
  const double angle = rng.Uniform(0, 2 * M_PI);
  const double dist = rng.Uniform(0, 0.5) * radius_m;
  s.weather.center = {dist * std::sin(angle), dist * std::cos(angle)};
  s.weather.radius_m = radius_m * 0.35;
  s.weather.outside_temp_dc = static_cast<int32_t>(std::lround(rng.Uniform(-50, 80)));
  return s;
}

}  // namespace roadsense::simulator
