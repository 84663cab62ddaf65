// Vehicle: one simulated car driving the RoadNetwork and observing the Scenario.
//
// Each Step() advances the car by speed × dt along its road (turning at junctions by chance,
// U-turning at the map's edge, wrapping on the ring) and makes exactly one Report: a pending
// observation (hazard entered or cancelled, phantom hazard, sign passed, weather sample) if there
// is one, else a probe point.
//
// Driving: each driver has a personal speed factor around the limit (σ 8 %), a maximum
// acceleration (1.5–2.5 m/s²) and a comfortable deceleration (2.5–3.5 m/s²) that bound every
// speed change. The target speed drops in rain (85 %) and fog (75 %), near a present hazard
// (60 %), and to the jam's speed in a traffic jam — which drivers see coming and brake for
// (look-ahead = braking distance + 50 m).
//
// Deterministic for a given (seed, index). Not thread-safe; holds references to the network and
// scenario, which must outlive it.
#pragma once

#include <cstdint>
#include <deque>
#include <vector>

#include "schema/roadsense.pb.h"
#include "simulator/local_frame.h"
#include "simulator/prng.h"
#include "simulator/road_network.h"
#include "simulator/scenario.h"

namespace roadsense::simulator {

class Vehicle {
 public:
  Vehicle(uint64_t seed, int index, const RoadNetwork& network, const Scenario& scenario);

  // Moves the car by dt_s seconds and writes what it observed at `observed_time_ms` into
  // *report (which is cleared first; reusing one avoids allocations).
  void Step(int64_t observed_time_ms, double dt_s, const LocalFrame& frame,
            roadsense::v1::Report* report);
  roadsense::v1::Report Step(int64_t observed_time_ms, double dt_s, const LocalFrame& frame) {
    roadsense::v1::Report r;
    Step(observed_time_ms, dt_s, frame, &r);
    return r;
  }

  int index() const { return index_; }
  int road() const { return road_; }
  double s_m() const { return s_m_; }
  double speed_ms() const { return speed_ms_; }
  double max_accel_ms2() const { return max_accel_ms2_; }
  double comfort_decel_ms2() const { return comfort_decel_ms2_; }

 private:
  void Move(double distance_m);
  void NoteSignsPassed(double from_s, double to_s);
  void NoteHazards(LocalPoint here, int64_t t_ms);
  void NoteWeather(LocalPoint here, int64_t t_ms);
  double TargetSpeedMs(LocalPoint here, int64_t t_ms) const;

  int index_;
  const RoadNetwork& network_;
  const Scenario& scenario_;
  Prng rng_;
  int road_ = 0;
  double s_m_ = 0;
  int direction_ = 1;  // +1: increasing arc position
  double speed_ms_ = 0;
  double speed_factor_ = 1;  // this driver's speed relative to the limit
  double max_accel_ms2_ = 2;
  double comfort_decel_ms2_ = 3;
  int64_t tick_ = 0;
  uint32_t phantoms_ = 0;               // false positives reported so far
  std::vector<uint8_t> inside_hazard_;  // per site: inside its radius after the last step
  std::vector<uint8_t> near_hazard_;    // per site: within its report radius after the last step
  // Observations waiting to be reported (payload only; time and position are set when sent).
  std::deque<roadsense::v1::Report> pending_;
};

}  // namespace roadsense::simulator
