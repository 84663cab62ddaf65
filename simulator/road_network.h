// RoadNetwork: the synthetic roads the simulated fleet drives on.
//
// Built deterministically from a seed: a grid of arterials (north–south and east–west lines,
// clipped to the simulated disk, their offsets jittered by the seed), a finer grid of residential
// streets in the inner part of the disk, and a ring road. Each road is a polyline in a LocalFrame
// with a class, a speed limit (residential 30, arterial 40–70, ring 80–100 km/h) and the arc
// positions of its speed-limit signs; junctions are where two roads cross. Immutable after
// Build(); safe to share across threads.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "simulator/local_frame.h"

namespace roadsense::simulator {

enum class RoadClass { kResidential, kArterial, kRing };

struct Road {
  std::string name;
  RoadClass road_class = RoadClass::kArterial;
  int speed_limit_kmh = 50;
  bool closed = false;               // a loop: arc position wraps at length_m
  std::vector<LocalPoint> points;    // polyline vertices (closed roads repeat the first at the end)
  std::vector<double> cumulative_m;  // arc length at each vertex; cumulative_m[0] == 0
  double length_m = 0;
  std::vector<double> sign_positions_m;  // ascending arc positions of speed-limit signs
};

// Road `road` at arc position `s_m` crosses road `other_road` at its arc position `other_s_m`.
struct Junction {
  int road = 0;
  double s_m = 0;
  int other_road = 0;
  double other_s_m = 0;
};

// A point on a road and the road's direction there (degrees clockwise from north, [0, 360)),
// facing increasing arc position.
struct RoadPoint {
  LocalPoint point;
  double heading_deg = 0;
};

class RoadNetwork {
 public:
  // radius_m: the disk the roads lie in (grid lines are clipped to it, the ring sits inside it).
  static RoadNetwork Build(uint64_t seed, double radius_m);

  const std::vector<Road>& roads() const { return roads_; }
  const Road& road(int index) const { return roads_[static_cast<size_t>(index)]; }
  // The junctions on `road`, ascending by s_m (no two at the same s_m).
  const std::vector<Junction>& JunctionsOn(int road) const {
    return junctions_[static_cast<size_t>(road)];
  }
  // s_m is clamped to [0, length] (wrapped for closed roads).
  RoadPoint PointAt(int road, double s_m) const;

 private:
  void AddRoad(Road road);
  void FindJunctions();

  std::vector<Road> roads_;
  std::vector<std::vector<Junction>> junctions_;
};

}  // namespace roadsense::simulator
