// Vehicle: one simulated car driving the RoadNetwork and observing the Scenario.
//
// Each Step() advances the car by speed × dt along its road (turning at junctions by chance,
// U-turning at the map's edge, wrapping on the ring) and returns exactly one Report: a pending
// observation (hazard entered, sign passed, weather sample) if there is one, else a probe point.
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

  // Moves the car by dt_s seconds and returns what it observed at `observed_time_ms`.
  roadsense::v1::Report Step(int64_t observed_time_ms, double dt_s, const LocalFrame& frame);

  int index() const { return index_; }
  int road() const { return road_; }

 private:
  void Move(double distance_m);
  void NoteSignsPassed(double from_s, double to_s);
  void NoteHazards();
  void NoteWeather();
  double TargetSpeedMs() const;

  int index_;
  const RoadNetwork& network_;
  const Scenario& scenario_;
  Prng rng_;
  int road_ = 0;
  double s_m_ = 0;
  int direction_ = 1;  // +1: increasing arc position
  double speed_ms_ = 0;
  double speed_factor_ = 1;  // this driver's speed relative to the limit
  int64_t tick_ = 0;
  std::vector<bool> inside_hazard_;
  // Observations waiting to be reported (payload only; time and position are set when sent).
  std::deque<roadsense::v1::Report> pending_;
};

}  // namespace roadsense::simulator
