#include "simulator/seeded_map.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "db/speed_limit_votes.h"
#include "geo/tile_key.h"

namespace roadsense::simulator {

SeededMap SeededMap::From(const Scenario& scenario, const RoadNetwork& network,
                          const LocalFrame& frame) {
  SeededMap m;
  for (size_t i = 0; i < scenario.hazards.size(); ++i) {
    const HazardSite& h = scenario.hazards[i];
    m.hazards.push_back({i, static_cast<int32_t>(h.type), frame.LatitudeDeg(h.point),
                         frame.LongitudeDeg(h.point), h.radius_m, h.start_ms, h.end_ms});
  }
  std::set<SeededSpeedLimit> limits;
  for (size_t r = 0; r < network.roads().size(); ++r) {
    const Road& road = network.roads()[r];
    for (double s : road.sign_positions_m) {
      const RoadPoint p = network.PointAt(static_cast<int>(r), s);
      const geo::TileKey tile = geo::TileForPoint(frame.LatE7(p.point), frame.LonE7(p.point));
      for (double heading : {p.heading_deg, std::fmod(p.heading_deg + 180, 360)}) {
        const auto cdeg = static_cast<uint32_t>(std::lround(heading * 100)) % 36000;
        limits.insert({{tile, db::SpeedLimitKey::HeadingSector(cdeg)}, road.speed_limit_kmh});
      }
    }
  }
  m.speed_limits.assign(limits.begin(), limits.end());
  return m;
}

}  // namespace roadsense::simulator
