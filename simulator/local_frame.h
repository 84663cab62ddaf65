// LocalFrame: a flat, metre-based coordinate frame around a centre point (equirectangular).
//
// The simulated area is a few tens of kilometres across, where treating the earth as flat around
// the centre is accurate to well under a metre — plenty for synthetic roads. Pure value type.
#pragma once

#include <cstdint>

namespace roadsense::simulator {

// Metres east (x) and north (y) of the frame's centre.
struct LocalPoint {
  double x_m = 0;
  double y_m = 0;
};

double Distance(LocalPoint a, LocalPoint b);

class LocalFrame {
 public:
  LocalFrame(double center_lat_deg, double center_lon_deg);

  double LatitudeDeg(LocalPoint p) const;
  double LongitudeDeg(LocalPoint p) const;
  // Degrees × 1e7, rounded to nearest (the wire format's unit).
  int32_t LatE7(LocalPoint p) const;
  int32_t LonE7(LocalPoint p) const;

 private:
  double lat0_deg_;
  double lon0_deg_;
  double metres_per_deg_lat_;
  double metres_per_deg_lon_;
};

}  // namespace roadsense::simulator
