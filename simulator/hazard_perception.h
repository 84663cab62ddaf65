// HazardPerception: what a car's sensors make of a hazard site it drives into, and the rare
// hazard it imagines.
//
// - Present site: reported with the site's detection probability (else missed), confidence
//   around the site's mean, lower at the edge of its radius (σ 8 points, 1..100).
// - Gone site: within kCancellationWindowMs of its end a car entering the radius reports a
//   cancellation with probability kCancellationProbability (it was told of the hazard and sees
//   the road clear); later nobody remembers it.
// - Not yet present: nothing.
// - False positive: with probability kFalsePositiveRate per report, a car reports a phantom
//   hazard (emergency braking, obstacle, slippery road) with low confidence.
// The caller sets event_id (SiteEventId / PhantomEventId), from which ground truth tells which
// site a report is about (SiteOfEventId). Stateless; deterministic given the Prng.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "schema/roadsense.pb.h"
#include "simulator/prng.h"
#include "simulator/scenario.h"

namespace roadsense::simulator {

class HazardPerception {
 public:
  static constexpr int64_t kCancellationWindowMs = 20 * 60 * 1000;
  static constexpr double kCancellationProbability = 0.7;
  static constexpr double kFalsePositiveRate = 2e-5;

  // The report a car makes on entering `site`'s radius `distance_m` from it at `t_ms`, if any.
  static std::optional<roadsense::v1::HazardEvent> Perceive(const HazardSite& site,
                                                            double distance_m, int64_t t_ms,
                                                            Prng& rng);
  // A phantom hazard, drawn once per report; nullopt almost always.
  static std::optional<roadsense::v1::HazardEvent> MaybeFalsePositive(Prng& rng);

  // event_id of vehicle `vehicle`'s reports about scenario site `site` (< 127): stable, so an
  // update or cancellation reuses it. Low byte: site + 1.
  static uint64_t SiteEventId(int vehicle, size_t site);
  // event_id of the vehicle's n-th phantom: low byte >= 0x80, never a site's.
  static uint64_t PhantomEventId(int vehicle, uint32_t n);
  // The scenario site an event_id is about, nullopt for a phantom (or a foreign id).
  static std::optional<size_t> SiteOfEventId(uint64_t event_id);
};

}  // namespace roadsense::simulator
