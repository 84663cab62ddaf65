#include "simulator/road_network.h"

#include <algorithm>
#include <cmath>

#include "simulator/prng.h"

namespace roadsense::simulator {
namespace {

constexpr int kGridLinesPerAxis = 5;  // per direction: 5 north–south + 5 east–west arterials
constexpr int kStreetsPerAxis = 4;    // residential streets per direction, in the inner disk
constexpr double kStreetRadiusFraction = 0.45;
constexpr int kRingVertices = 72;
constexpr double kRingRadiusFraction = 0.8;
constexpr double kSignSpacingM = 900;
constexpr int kArterialLimitsKmh[] = {40, 50, 50, 60, 70};
constexpr int kResidentialLimitKmh = 30;
constexpr int kRingLimitsKmh[] = {80, 100};

// Intersection of segments p1–p2 and q1–q2 as fractions (t along p, u along q), if they cross.
bool SegmentIntersection(LocalPoint p1, LocalPoint p2, LocalPoint q1, LocalPoint q2, double* t,
                         double* u) {
  const double rx = p2.x_m - p1.x_m, ry = p2.y_m - p1.y_m;
  const double sx = q2.x_m - q1.x_m, sy = q2.y_m - q1.y_m;
  const double denom = rx * sy - ry * sx;
  if (std::abs(denom) < 1e-9) return false;  // parallel
  const double qpx = q1.x_m - p1.x_m, qpy = q1.y_m - p1.y_m;
  *t = (qpx * sy - qpy * sx) / denom;
  *u = (qpx * ry - qpy * rx) / denom;
  return *t >= 0 && *t < 1 && *u >= 0 && *u < 1;
}

Road GridLine(bool north_south, double offset_m, double radius_m, int limit_kmh, int index,
              RoadClass road_class) {
  const double half = std::sqrt(radius_m * radius_m - offset_m * offset_m);
  Road r;
  r.road_class = road_class;
  r.name = std::string(road_class == RoadClass::kResidential ? "street-" : "") +
           std::string(north_south ? "ns-" : "ew-") + std::to_string(index);
  r.speed_limit_kmh = limit_kmh;
  if (north_south) {
    r.points = {{offset_m, -half}, {offset_m, half}};
  } else {
    r.points = {{-half, offset_m}, {half, offset_m}};
  }
  return r;
}

}  // namespace

RoadNetwork RoadNetwork::Build(uint64_t seed, double radius_m) {
  Prng rng = Prng::Derive(seed, 0x0AD5);
  RoadNetwork net;
  const double spacing = 2 * radius_m / (kGridLinesPerAxis + 1);
  for (int axis = 0; axis < 2; ++axis) {
    for (int i = 0; i < kGridLinesPerAxis; ++i) {
      const double offset = -radius_m + spacing * (i + 1) + rng.Uniform(-0.15, 0.15) * spacing;
      const int limit = kArterialLimitsKmh[rng.Below(std::size(kArterialLimitsKmh))];
      net.AddRoad(GridLine(axis == 0, offset, radius_m, limit, i, RoadClass::kArterial));
    }
  }
  // Residential streets: half-way between the arterials' nominal lines, inside the inner disk.
  const double inner = radius_m * kStreetRadiusFraction;
  const double street_spacing = 2 * inner / (kStreetsPerAxis + 1);
  for (int axis = 0; axis < 2; ++axis) {
    for (int i = 0; i < kStreetsPerAxis; ++i) {
      const double offset =
          -inner + street_spacing * (i + 0.5) + rng.Uniform(0.2, 0.8) * street_spacing;
      net.AddRoad(
          GridLine(axis == 0, offset, inner, kResidentialLimitKmh, i, RoadClass::kResidential));
    }
  }
  Road ring;
  ring.name = "ring";
  ring.road_class = RoadClass::kRing;
  ring.closed = true;
  ring.speed_limit_kmh = kRingLimitsKmh[rng.Below(std::size(kRingLimitsKmh))];
  const double ring_r = radius_m * kRingRadiusFraction;
  for (int i = 0; i <= kRingVertices; ++i) {
    const double a = 2 * M_PI * (i % kRingVertices) / kRingVertices;
    ring.points.push_back({ring_r * std::sin(a), ring_r * std::cos(a)});
  }
  net.AddRoad(std::move(ring));
  // Signs after a seeded offset, then at a fixed spacing.
  for (auto& road : net.roads_) {
    for (double s = rng.Uniform(50, kSignSpacingM); s < road.length_m; s += kSignSpacingM) {
      road.sign_positions_m.push_back(s);
    }
  }
  net.FindJunctions();
  return net;
}

void RoadNetwork::AddRoad(Road road) {
  road.cumulative_m.assign(1, 0.0);
  for (size_t i = 1; i < road.points.size(); ++i) {
    road.cumulative_m.push_back(road.cumulative_m.back() +
                                Distance(road.points[i - 1], road.points[i]));
  }
  road.length_m = road.cumulative_m.back();
  roads_.push_back(std::move(road));
}

void RoadNetwork::FindJunctions() {
  junctions_.assign(roads_.size(), {});
  for (size_t a = 0; a < roads_.size(); ++a) {
    for (size_t b = a + 1; b < roads_.size(); ++b) {
      const Road& ra = roads_[a];
      const Road& rb = roads_[b];
      for (size_t i = 0; i + 1 < ra.points.size(); ++i) {
        for (size_t j = 0; j + 1 < rb.points.size(); ++j) {
          double t = 0, u = 0;
          if (!SegmentIntersection(ra.points[i], ra.points[i + 1], rb.points[j], rb.points[j + 1],
                                   &t, &u)) {
            continue;
          }
          const double sa = ra.cumulative_m[i] + t * (ra.cumulative_m[i + 1] - ra.cumulative_m[i]);
          const double sb = rb.cumulative_m[j] + u * (rb.cumulative_m[j + 1] - rb.cumulative_m[j]);
          const int ia = static_cast<int>(a), ib = static_cast<int>(b);
          junctions_[a].push_back({ia, sa, ib, sb});
          junctions_[b].push_back({ib, sb, ia, sa});
        }
      }
    }
  }
  for (auto& list : junctions_) {
    std::sort(list.begin(), list.end(),
              [](const Junction& x, const Junction& y) { return x.s_m < y.s_m; });
  }
}

RoadPoint RoadNetwork::PointAt(int road_index, double s_m) const {
  const Road& r = road(road_index);
  if (r.closed) {
    s_m = std::fmod(s_m, r.length_m);
    if (s_m < 0) s_m += r.length_m;
  } else {
    s_m = std::clamp(s_m, 0.0, r.length_m);
  }
  auto it = std::upper_bound(r.cumulative_m.begin(), r.cumulative_m.end(), s_m);
  size_t seg = static_cast<size_t>(std::distance(r.cumulative_m.begin(), it));
  seg = std::clamp<size_t>(seg, 1, r.points.size() - 1) - 1;
  const LocalPoint a = r.points[seg], b = r.points[seg + 1];
  const double len = r.cumulative_m[seg + 1] - r.cumulative_m[seg];
  const double f = len > 0 ? (s_m - r.cumulative_m[seg]) / len : 0;
  RoadPoint out;
  out.point = {a.x_m + f * (b.x_m - a.x_m), a.y_m + f * (b.y_m - a.y_m)};
  double heading = std::atan2(b.x_m - a.x_m, b.y_m - a.y_m) * 180.0 / M_PI;
  if (heading < 0) heading += 360.0;
  out.heading_deg = heading;
  return out;
}

}  // namespace roadsense::simulator
