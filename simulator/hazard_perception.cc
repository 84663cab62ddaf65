#include "simulator/hazard_perception.h"

#include <algorithm>
#include <cmath>
#include <iterator>

namespace roadsense::simulator {
namespace {

constexpr uint64_t kPhantomEventBit = 0x80;

uint32_t Percent(double v) {
  return static_cast<uint32_t>(std::clamp<long>(std::lround(v), 1, 100));
}

struct PhantomKind {
  roadsense::v1::HazardType type;
  uint32_t etsi_cause_code;
};
// What sensors misfire on: a hard brake, a plastic bag, a wet patch.
constexpr PhantomKind kPhantoms[] = {
    {roadsense::v1::HAZARD_TYPE_EMERGENCY_BRAKING, 0},
    {roadsense::v1::HAZARD_TYPE_OBSTACLE, 10},
    {roadsense::v1::HAZARD_TYPE_SLIPPERY_ROAD, 6},
};

}  // namespace

std::optional<roadsense::v1::HazardEvent> HazardPerception::Perceive(const HazardSite& site,
                                                                     double distance_m,
                                                                     int64_t t_ms, Prng& rng) {
  roadsense::v1::HazardEvent e;
  e.set_type(site.type);
  e.set_etsi_cause_code(site.etsi_cause_code);
  e.set_ttl_s(site.ttl_s);
  if (site.ActiveAt(t_ms)) {
    if (!rng.Chance(site.detection_probability)) return std::nullopt;  // missed it
    // Closer cars are surer of what they saw: up to 25 points less at the edge of the radius.
    const double edge = site.radius_m > 0 ? std::clamp(distance_m / site.radius_m, 0.0, 1.0) : 0;
    e.set_confidence_pct(Percent(rng.Normal(site.mean_confidence_pct - 25 * edge, 8)));
    return e;
  }
  if (t_ms >= site.end_ms && t_ms < site.end_ms + kCancellationWindowMs &&
      rng.Chance(kCancellationProbability)) {
    e.set_cancellation(true);
    e.set_confidence_pct(Percent(rng.Normal(80, 8)));
    return e;
  }
  return std::nullopt;
}

std::optional<roadsense::v1::HazardEvent> HazardPerception::MaybeFalsePositive(Prng& rng) {
  if (!rng.Chance(kFalsePositiveRate)) return std::nullopt;
  const PhantomKind& kind = kPhantoms[rng.Below(std::size(kPhantoms))];
  roadsense::v1::HazardEvent e;
  e.set_type(kind.type);
  e.set_etsi_cause_code(kind.etsi_cause_code);
  e.set_ttl_s(600);
  e.set_confidence_pct(Percent(rng.Uniform(20, 55)));
  return e;
}

uint64_t HazardPerception::SiteEventId(int vehicle, size_t site) {
  return (static_cast<uint64_t>(vehicle) + 1) << 8 | (static_cast<uint64_t>(site) + 1);
}

uint64_t HazardPerception::PhantomEventId(int vehicle, uint32_t n) {
  return (static_cast<uint64_t>(vehicle) + 1) << 8 | kPhantomEventBit | (n & 0x7F);
}

std::optional<size_t> HazardPerception::SiteOfEventId(uint64_t event_id) {
  const uint64_t low = event_id & 0xFF;
  if (low == 0 || (low & kPhantomEventBit) != 0) return std::nullopt;
  return static_cast<size_t>(low - 1);
}

}  // namespace roadsense::simulator
