#include "simulator/local_frame.h"

#include <cmath>

namespace roadsense::simulator {
namespace {
constexpr double kEarthRadiusM = 6371008.8;  // mean radius (IUGG)
}  // namespace

double Distance(LocalPoint a, LocalPoint b) { return std::hypot(a.x_m - b.x_m, a.y_m - b.y_m); }

LocalFrame::LocalFrame(double center_lat_deg, double center_lon_deg)
    : lat0_deg_(center_lat_deg),
      lon0_deg_(center_lon_deg),
      metres_per_deg_lat_(kEarthRadiusM * M_PI / 180.0),
      metres_per_deg_lon_(kEarthRadiusM * M_PI / 180.0 * std::cos(center_lat_deg * M_PI / 180.0)) {}

double LocalFrame::LatitudeDeg(LocalPoint p) const {
  return lat0_deg_ + p.y_m / metres_per_deg_lat_;
}

double LocalFrame::LongitudeDeg(LocalPoint p) const {
  return lon0_deg_ + p.x_m / metres_per_deg_lon_;
}

int32_t LocalFrame::LatE7(LocalPoint p) const {
  return static_cast<int32_t>(std::llround(LatitudeDeg(p) * 1e7));
}

int32_t LocalFrame::LonE7(LocalPoint p) const {
  return static_cast<int32_t>(std::llround(LongitudeDeg(p) * 1e7));
}

}  // namespace roadsense::simulator
