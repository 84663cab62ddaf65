#include "simulator/vehicle.h"

#include <algorithm>
#include <cmath>
#include <iterator>

#include "simulator/hazard_perception.h"

namespace roadsense::simulator {
namespace {

constexpr double kTurnProbability = 0.35;
constexpr double kHazardSlowdown = 0.6;  // drivers slow to 60% of their speed near a hazard
constexpr double kRainSlowdown = 0.85;
constexpr double kFogSlowdown = 0.75;
constexpr double kLookaheadMarginM = 50;
constexpr double kGpsNoiseM = 1.5;
constexpr double kSpeedNoiseMs = 0.3;
constexpr int kWeatherEveryTicks = 15;  // a car in a weather zone samples this often
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
      inside_hazard_(scenario.hazards.size(), 0),
      near_hazard_(scenario.hazards.size(), 0) {
  road_ = static_cast<int>(rng_.Below(network_.roads().size()));
  s_m_ = rng_.Uniform(0, network_.road(road_).length_m);
  direction_ = rng_.Chance(0.5) ? 1 : -1;
  speed_factor_ = std::clamp(rng_.Normal(1.0, 0.08), 0.75, 1.3);
  max_accel_ms2_ = rng_.Uniform(1.5, 2.5);
  comfort_decel_ms2_ = rng_.Uniform(2.5, 3.5);
  speed_ms_ = network_.road(road_).speed_limit_kmh / 3.6 * speed_factor_;
}

double Vehicle::TargetSpeedMs(LocalPoint here, int64_t t_ms) const {
  double target = network_.road(road_).speed_limit_kmh / 3.6 * speed_factor_;
  if (const WeatherZone* w = scenario_.WeatherAt(here, t_ms)) {
    target *= w->kind == WeatherKind::kRain ? kRainSlowdown : kFogSlowdown;
  }
  const double braking_m = speed_ms_ * speed_ms_ / (2 * comfort_decel_ms2_) + kLookaheadMarginM;
  if (auto jam = scenario_.JamSpeedAhead(road_, s_m_, direction_, braking_m, t_ms)) {
    target = std::min(target, *jam * speed_factor_);
  }
  for (size_t h = 0; h < inside_hazard_.size(); ++h) {
    if (inside_hazard_[h] && scenario_.hazards[h].ActiveAt(t_ms)) return target * kHazardSlowdown;
  }
  return target;
}

void Vehicle::Step(int64_t observed_time_ms, double dt_s, const LocalFrame& frame,
                   roadsense::v1::Report* report) {
  const double old_speed = speed_ms_;
  const LocalPoint before = network_.PointAt(road_, s_m_).point;
  const double wanted = TargetSpeedMs(before, observed_time_ms) + rng_.Normal(0, kSpeedNoiseMs);
  speed_ms_ =
      std::clamp(wanted, old_speed - comfort_decel_ms2_ * dt_s, old_speed + max_accel_ms2_ * dt_s);
  speed_ms_ = std::clamp(speed_ms_, 0.0, kMaxSpeedMs);
  // Distance at the mean of the old and new speed: constant acceleration over the step.
  Move((old_speed + speed_ms_) / 2 * dt_s);
  const RoadPoint rp = network_.PointAt(road_, s_m_);
  NoteHazards(rp.point, observed_time_ms);
  if ((tick_ + index_) % kWeatherEveryTicks == 0) NoteWeather(rp.point, observed_time_ms);
  if (auto phantom = HazardPerception::MaybeFalsePositive(rng_)) {
    phantom->set_event_id(HazardPerception::PhantomEventId(index_, phantoms_++));
    roadsense::v1::Report obs;
    *obs.mutable_hazard() = std::move(*phantom);
    pending_.push_back(std::move(obs));
  }
  ++tick_;

  report->Clear();
  if (!pending_.empty()) {
    report->Swap(&pending_.front());
    pending_.pop_front();
  } else {
    const double accel = dt_s > 0 ? (speed_ms_ - old_speed) / dt_s : 0;
    report->mutable_probe()->set_longitudinal_accel_mms2(
        static_cast<int32_t>(std::clamp(std::lround(accel * 1000), -20000L, 20000L)));
  }
  report->set_observed_time_ms(observed_time_ms);
  const LocalPoint noisy{rp.point.x_m + rng_.Normal(0, kGpsNoiseM),
                         rp.point.y_m + rng_.Normal(0, kGpsNoiseM)};
  double heading = rp.heading_deg + (direction_ > 0 ? 0 : 180);
  if (heading >= 360) heading -= 360;
  auto* pos = report->mutable_position();
  pos->set_lat_e7(frame.LatE7(noisy));
  pos->set_lon_e7(frame.LonE7(noisy));
  pos->set_accuracy_cm(static_cast<uint32_t>(150 + rng_.Below(350)));
  pos->set_heading_cdeg(static_cast<uint32_t>(std::lround(heading * 100)) % 36000);
  pos->set_speed_cms(static_cast<uint32_t>(std::lround(speed_ms_ * 100)));
}

void Vehicle::Move(double distance_m) {
  // A step crosses at most a few junctions; the guard only bounds pathological inputs.
  for (int guard = 0; distance_m > 1e-9 && guard < 64; ++guard) {
    const Road& r = network_.road(road_);
    const double to_end = direction_ > 0 ? r.length_m - s_m_ : s_m_;
    const double limit = std::min(distance_m, to_end);
    // The nearest junction strictly ahead within `limit` (junctions are sorted by s_m).
    const std::vector<Junction>& js = network_.JunctionsOn(road_);
    const Junction* next = nullptr;
    if (direction_ > 0) {
      auto it = std::upper_bound(js.begin(), js.end(), s_m_ + 1e-6,
                                 [](double s, const Junction& j) { return s < j.s_m; });
      if (it != js.end() && it->s_m - s_m_ <= limit) next = &*it;
    } else {
      auto it = std::lower_bound(js.begin(), js.end(), s_m_ - 1e-6,
                                 [](const Junction& j, double s) { return j.s_m < s; });
      if (it != js.begin() && s_m_ - std::prev(it)->s_m <= limit) next = &*std::prev(it);
    }
    const double step = next != nullptr ? (next->s_m - s_m_) * direction_ : limit;
    const double from = s_m_;
    s_m_ += direction_ * step;
    distance_m -= step;
    NoteSignsPassed(from, s_m_);
    if (next != nullptr) {
      if (rng_.Chance(kTurnProbability)) {
        road_ = next->other_road;
        s_m_ = next->other_s_m;
        direction_ = rng_.Chance(0.5) ? 1 : -1;
      }
    } else if (step >= to_end) {
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
  // Signs in (lo, hi]; positions are ascending.
  for (auto it = std::upper_bound(r.sign_positions_m.begin(), r.sign_positions_m.end(), lo);
       it != r.sign_positions_m.end() && *it <= hi; ++it) {
    roadsense::v1::Report obs;
    auto* sign = obs.mutable_sign();
    sign->set_type(roadsense::v1::SIGN_TYPE_SPEED_LIMIT);
    sign->set_value(static_cast<uint32_t>(r.speed_limit_kmh));
    sign->set_confidence_pct(static_cast<uint32_t>(80 + rng_.Below(20)));
    pending_.push_back(std::move(obs));
  }
}

void Vehicle::NoteHazards(LocalPoint here, int64_t t_ms) {
  for (size_t h = 0; h < scenario_.hazards.size(); ++h) {
    const HazardSite& site = scenario_.hazards[h];
    const double dx = here.x_m - site.point.x_m, dy = here.y_m - site.point.y_m;
    const double d2 = dx * dx + dy * dy;
    inside_hazard_[h] = d2 <= site.radius_m * site.radius_m ? 1 : 0;
    const bool near = d2 <= site.report_radius_m * site.report_radius_m;
    if (near && !near_hazard_[h]) {
      if (auto event = HazardPerception::Perceive(site, std::sqrt(d2), t_ms, rng_)) {
        event->set_event_id(HazardPerception::SiteEventId(index_, h));
        roadsense::v1::Report obs;
        *obs.mutable_hazard() = std::move(*event);
        pending_.push_back(std::move(obs));
      }
    }
    near_hazard_[h] = near ? 1 : 0;
  }
}

void Vehicle::NoteWeather(LocalPoint here, int64_t t_ms) {
  const WeatherZone* zone = scenario_.WeatherAt(here, t_ms);
  if (zone == nullptr) return;
  roadsense::v1::Report obs;
  auto* w = obs.mutable_weather();
  if (zone->kind == WeatherKind::kRain) {
    static constexpr roadsense::v1::WiperState kWipers[] = {
        roadsense::v1::WIPER_STATE_INTERVAL, roadsense::v1::WIPER_STATE_LOW,
        roadsense::v1::WIPER_STATE_LOW, roadsense::v1::WIPER_STATE_HIGH};
    w->set_wipers(kWipers[rng_.Below(std::size(kWipers))]);
    w->set_fog_lights_front(rng_.Chance(0.05));
    w->set_fog_lights_rear(false);
  } else {
    w->set_wipers(rng_.Chance(0.3) ? roadsense::v1::WIPER_STATE_INTERVAL
                                   : roadsense::v1::WIPER_STATE_OFF);
    w->set_fog_lights_front(rng_.Chance(0.7));
    w->set_fog_lights_rear(rng_.Chance(0.4));
  }
  w->set_outside_temp_dc(std::clamp(
      zone->outside_temp_dc + static_cast<int32_t>(std::lround(rng_.Normal(0, 8))), -600, 600));
  pending_.push_back(std::move(obs));
}

}  // namespace roadsense::simulator
