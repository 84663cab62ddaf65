#include "simulator/vehicle.h"

#include <algorithm>
#include <cmath>

namespace roadsense::simulator {
namespace {

constexpr double kTurnProbability = 0.35;
constexpr double kMaxAccelMs2 = 2.0;
constexpr double kHazardSlowdown = 0.6;  // drivers slow to 60% of their speed near a hazard
constexpr double kGpsNoiseM = 1.5;
constexpr int kWeatherEveryTicks = 15;  // a car in the weather zone samples this often
constexpr double kMaxSpeedMs = 150.0;   // the wire format's 15000 cm/s

double Wrap(double s, double length) {
  s = std::fmod(s, length);
  return s < 0 ? s + length : s;
}

}  // namespace

Vehicle::Vehicle(uint64_t seed, int index, const RoadNetwork& network, const Scenario& scenario)
    : index_(index),
      network_(network),
      scenario_(scenario),
      rng_(Prng::Derive(seed, 0x7E41C1E, static_cast<uint64_t>(index))),
      inside_hazard_(scenario.hazards.size(), false) {
  road_ = static_cast<int>(rng_.Below(network_.roads().size()));
  s_m_ = rng_.Uniform(0, network_.road(road_).length_m);
  direction_ = rng_.Chance(0.5) ? 1 : -1;
  speed_factor_ = std::clamp(rng_.Normal(1.0, 0.08), 0.75, 1.3);
  speed_ms_ = TargetSpeedMs();
}

double Vehicle::TargetSpeedMs() const {
  double target = network_.road(road_).speed_limit_kmh / 3.6 * speed_factor_;
  for (size_t h = 0; h < inside_hazard_.size(); ++h) {
    if (inside_hazard_[h]) return target * kHazardSlowdown;
  }
  return target;
}

roadsense::v1::Report Vehicle::Step(int64_t observed_time_ms, double dt_s,
                                    const LocalFrame& frame) {
  const double old_speed = speed_ms_;
  const double max_change = kMaxAccelMs2 * dt_s;
  const double wanted = TargetSpeedMs() + rng_.Normal(0, 0.5);
  speed_ms_ = std::clamp(wanted, old_speed - max_change, old_speed + max_change);
  speed_ms_ = std::clamp(speed_ms_, 0.0, kMaxSpeedMs);
  Move(speed_ms_ * dt_s);
  NoteHazards();
  NoteWeather();
  ++tick_;

  roadsense::v1::Report report;
  if (!pending_.empty()) {
    report = std::move(pending_.front());
    pending_.pop_front();
  } else {
    const double accel = dt_s > 0 ? (speed_ms_ - old_speed) / dt_s : 0;
    report.mutable_probe()->set_longitudinal_accel_mms2(
        static_cast<int32_t>(std::clamp(std::lround(accel * 1000), -20000L, 20000L)));
  }
  report.set_observed_time_ms(observed_time_ms);
  const RoadPoint rp = network_.PointAt(road_, s_m_);
  const LocalPoint noisy{rp.point.x_m + rng_.Normal(0, kGpsNoiseM),
                         rp.point.y_m + rng_.Normal(0, kGpsNoiseM)};
  const double heading = std::fmod(rp.heading_deg + (direction_ > 0 ? 0 : 180), 360.0);
  auto* pos = report.mutable_position();
  pos->set_lat_e7(frame.LatE7(noisy));
  pos->set_lon_e7(frame.LonE7(noisy));
  pos->set_accuracy_cm(static_cast<uint32_t>(150 + rng_.Below(350)));
  pos->set_heading_cdeg(static_cast<uint32_t>(std::lround(heading * 100)) % 36000);
  pos->set_speed_cms(static_cast<uint32_t>(std::lround(speed_ms_ * 100)));
  return report;
}

void Vehicle::Move(double distance_m) {
  // A step crosses at most a few junctions; the guard only bounds pathological inputs.
  for (int guard = 0; distance_m > 1e-9 && guard < 64; ++guard) {
    const Road& r = network_.road(road_);
    const double to_end = direction_ > 0 ? r.length_m - s_m_ : s_m_;
    const double limit = std::min(distance_m, to_end);
    const Junction* next = nullptr;
    double next_dist = limit;
    for (const Junction& j : network_.JunctionsOn(road_)) {
      const double d = (j.s_m - s_m_) * direction_;
      if (d > 1e-6 && d <= next_dist) {
        next = &j;
        next_dist = d;
      }
    }
    const double from = s_m_;
    s_m_ += direction_ * next_dist;
    distance_m -= next_dist;
    NoteSignsPassed(from, s_m_);
    if (next != nullptr) {
      if (rng_.Chance(kTurnProbability)) {
        road_ = next->other_road;
        s_m_ = next->other_s_m;
        direction_ = rng_.Chance(0.5) ? 1 : -1;
      }
    } else if (next_dist >= to_end) {
      if (r.closed) {
        s_m_ = Wrap(s_m_, r.length_m);
      } else {
        direction_ = -direction_;  // the edge of the simulated map: turn around
      }
    }
  }
}

void Vehicle::NoteSignsPassed(double from_s, double to_s) {
  const Road& r = network_.road(road_);
  const double lo = std::min(from_s, to_s), hi = std::max(from_s, to_s);
  for (double sign_s : r.sign_positions_m) {
    if (sign_s > lo && sign_s <= hi) {
      roadsense::v1::Report obs;
      auto* sign = obs.mutable_sign();
      sign->set_type(roadsense::v1::SIGN_TYPE_SPEED_LIMIT);
      sign->set_value(static_cast<uint32_t>(r.speed_limit_kmh));
      sign->set_confidence_pct(static_cast<uint32_t>(80 + rng_.Below(20)));
      pending_.push_back(std::move(obs));
    }
  }
}

void Vehicle::NoteHazards() {
  const LocalPoint here = network_.PointAt(road_, s_m_).point;
  for (size_t h = 0; h < scenario_.hazards.size(); ++h) {
    const HazardSite& site = scenario_.hazards[h];
    const double d = Distance(here, site.point);
    const bool inside = d <= site.radius_m;
    if (inside && !inside_hazard_[h]) {
      roadsense::v1::Report obs;
      auto* hz = obs.mutable_hazard();
      hz->set_type(site.type);
      hz->set_etsi_cause_code(site.etsi_cause_code);
      // Closer cars are surer of what they saw.
      hz->set_confidence_pct(static_cast<uint32_t>(std::lround(100 - 40 * d / site.radius_m)));
      hz->set_ttl_s(site.ttl_s);
      // Stable per (vehicle, hazard site): a later update of the same hazard reuses it.
      hz->set_event_id((static_cast<uint64_t>(index_) + 1) << 8 | (h + 1));
      pending_.push_back(std::move(obs));
    }
    inside_hazard_[h] = inside;
  }
}

void Vehicle::NoteWeather() {
  const WeatherZone& zone = scenario_.weather;
  if ((tick_ + index_) % kWeatherEveryTicks != 0) return;
  if (Distance(network_.PointAt(road_, s_m_).point, zone.center) > zone.radius_m) return;
  roadsense::v1::Report obs;
  auto* w = obs.mutable_weather();
  static constexpr roadsense::v1::WiperState kWipers[] = {roadsense::v1::WIPER_STATE_INTERVAL,
                                                          roadsense::v1::WIPER_STATE_LOW,
                                                          roadsense::v1::WIPER_STATE_HIGH};
  w->set_wipers(kWipers[rng_.Below(std::size(kWipers))]);
  w->set_fog_lights_front(rng_.Chance(0.4));
  w->set_fog_lights_rear(rng_.Chance(0.2));
  w->set_outside_temp_dc(std::clamp(
      zone.outside_temp_dc + static_cast<int32_t>(std::lround(rng_.Normal(0, 8))), -600, 600));
  pending_.push_back(std::move(obs));
}

}  // namespace roadsense::simulator
