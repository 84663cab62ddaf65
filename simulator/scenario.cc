#include "simulator/scenario.h"

#include <algorithm>
#include <cmath>

#include "simulator/prng.h"

namespace roadsense::simulator {
namespace {

constexpr int kHazardSites = 24;  // each kind three times
constexpr int kJams = 4;
constexpr int kWeatherZones = 2;

struct HazardKind {
  roadsense::v1::HazardType type;
  uint32_t etsi_cause_code;
  uint32_t ttl_s;
  double radius_m;
  double detection_probability;  // how often a passing car's sensors notice it
  double mean_confidence_pct;
  double min_duration_share;  // of the simulated span
  double max_duration_share;
  bool area;  // covers its radius (fog, rain) rather than one spot on the road
};
// ETSI DENM cause codes per shared/ref/domain.md. Black ice is hard to sense (ESC/ABS must
// intervene); roadworks and accidents are obvious; fog and rain cover large areas.
constexpr HazardKind kHazardKinds[] = {
    {roadsense::v1::HAZARD_TYPE_SLIPPERY_ROAD, 6, 1800, 200, 0.55, 70, 0.3, 0.7, false},
    {roadsense::v1::HAZARD_TYPE_FOG, 18, 3600, 600, 0.85, 80, 0.4, 1.0, true},
    {roadsense::v1::HAZARD_TYPE_BREAKDOWN, 91, 900, 150, 0.8, 85, 0.2, 0.5, false},
    {roadsense::v1::HAZARD_TYPE_ROADWORKS, 3, 86400, 250, 0.95, 90, 1.0, 1.5, false},
    {roadsense::v1::HAZARD_TYPE_ACCIDENT, 2, 1800, 200, 0.9, 90, 0.2, 0.6, false},
    {roadsense::v1::HAZARD_TYPE_HEAVY_RAIN, 19, 1800, 800, 0.9, 85, 0.3, 0.8, true},
    {roadsense::v1::HAZARD_TYPE_OBSTACLE, 10, 600, 150, 0.7, 75, 0.2, 0.5, false},
    {roadsense::v1::HAZARD_TYPE_END_OF_QUEUE, 27, 300, 250, 0.75, 80, 0.2, 0.5, false},
};

int64_t At(int64_t start_ms, int64_t span_ms, double share) {
  return start_ms + static_cast<int64_t>(std::llround(share * static_cast<double>(span_ms)));
}

}  // namespace

bool WeatherZone::Covers(LocalPoint p, int64_t t_ms) const {
  if (t_ms < start_ms || t_ms >= end_ms) return false;
  const double dx = p.x_m - center.x_m, dy = p.y_m - center.y_m;
  return dx * dx + dy * dy <= radius_m * radius_m;
}

Scenario Scenario::Build(uint64_t seed, const RoadNetwork& network, double radius_m,
                         int64_t start_ms, int64_t span_ms) {
  Prng rng = Prng::Derive(seed, 0x5CE7A);
  Scenario s;
  const auto roads = network.roads().size();
  for (int i = 0; i < kHazardSites; ++i) {
    HazardSite h;
    // Every kind once before any repeats, so each run has a black-ice site, a fog zone, ...
    const HazardKind& kind = kHazardKinds[static_cast<size_t>(i) % std::size(kHazardKinds)];
    h.road = static_cast<int>(rng.Below(roads));
    h.s_m = rng.Uniform(0.1, 0.9) * network.road(h.road).length_m;
    // Point hazards happen where roads meet (and where two roads' traffic passes the spot).
    if (const auto& junctions = network.JunctionsOn(h.road); !kind.area && !junctions.empty()) {
      h.s_m = junctions[rng.Below(junctions.size())].s_m;
    }
    h.point = network.PointAt(h.road, h.s_m).point;
    h.type = kind.type;
    h.etsi_cause_code = kind.etsi_cause_code;
    h.ttl_s = kind.ttl_s;
    h.radius_m = kind.radius_m;
    h.report_radius_m = kind.area ? kind.radius_m : kSpotRadiusM;
    h.detection_probability = kind.detection_probability;
    h.mean_confidence_pct = kind.mean_confidence_pct;
    const double duration = rng.Uniform(kind.min_duration_share, kind.max_duration_share);
    const double begin = rng.Uniform(-0.2, 0.7);
    h.start_ms = At(start_ms, span_ms, begin);
    h.end_ms = std::max(h.start_ms + 1, At(start_ms, span_ms, begin + duration));
    s.hazards.push_back(h);
  }
  for (int i = 0; i < kJams; ++i) {
    TrafficJam j;
    // Jams form on the busy roads: arterials and the ring, not residential streets.
    do {
      j.road = static_cast<int>(rng.Below(roads));
    } while (network.road(j.road).road_class == RoadClass::kResidential);
    const double length = network.road(j.road).length_m;
    const double jam_length = std::min(length * 0.5, rng.Uniform(300, 1500));
    j.from_s_m = rng.Uniform(0, length - jam_length);
    j.to_s_m = j.from_s_m + jam_length;
    const double begin = rng.Uniform(0, 0.7);
    j.start_ms = At(start_ms, span_ms, begin);
    j.end_ms = std::max(j.start_ms + 1, At(start_ms, span_ms, begin + rng.Uniform(0.2, 0.5)));
    j.speed_ms = rng.Uniform(5, 20) / 3.6;
    s.jams.push_back(j);
  }
  for (int i = 0; i < kWeatherZones; ++i) {
    WeatherZone w;
    w.kind = i % 2 == 0 ? WeatherKind::kRain : WeatherKind::kFog;
    const double angle = rng.Uniform(0, 2 * M_PI);
    const double dist = rng.Uniform(0, 0.5) * radius_m;
    w.center = {dist * std::sin(angle), dist * std::cos(angle)};
    w.radius_m = radius_m * rng.Uniform(0.25, 0.4);
    const double begin = rng.Uniform(-0.2, 0.4);
    w.start_ms = At(start_ms, span_ms, begin);
    w.end_ms = std::max(w.start_ms + 1, At(start_ms, span_ms, begin + rng.Uniform(0.6, 1.0)));
    w.outside_temp_dc = static_cast<int32_t>(std::lround(rng.Uniform(-50, 80)));
    s.weather.push_back(w);
  }
  return s;
}

std::optional<double> Scenario::JamSpeedAhead(int road, double s_m, int direction,
                                              double lookahead_m, int64_t t_ms) const {
  const double lo = direction > 0 ? s_m : s_m - lookahead_m;
  const double hi = direction > 0 ? s_m + lookahead_m : s_m;
  for (const TrafficJam& j : jams) {
    if (j.road != road || t_ms < j.start_ms || t_ms >= j.end_ms) continue;
    if (hi >= j.from_s_m && lo < j.to_s_m) return j.speed_ms;
  }
  return std::nullopt;
}

const WeatherZone* Scenario::WeatherAt(LocalPoint p, int64_t t_ms) const {
  for (const WeatherZone& w : weather) {
    if (w.Covers(p, t_ms)) return &w;
  }
  return nullptr;
}

}  // namespace roadsense::simulator
