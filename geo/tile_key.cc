#include "geo/tile_key.h"

#include <algorithm>
#include <cmath>

namespace roadsense::geo {
namespace {

// How far (as a fraction of the map's height) the quick row may be from the reference row's
// unrounded value before it is not trusted. Both compute the same function of the latitude; each
// is within a few 1e-15 of it (the quick one loses most near the clamp, where 1 - sin(lat) is
// ~0.004), so 1e-9 leaves five orders of magnitude. At zoom 16 it sends ~1 point in 10^4 to the
// reference formula.
constexpr double kQuickRowGuard = 1e-9;

// The row before flooring, as the OSM wiki writes it: the definition of a tile's row.
double ReferenceRow(double lat, double n) {
  const double lat_rad = lat * M_PI / 180.0;
  return (1.0 - std::asinh(std::tan(lat_rad)) / M_PI) / 2.0 * n;
}

// The row of ReferenceRow, exactly, at about half the cost: asinh(tan(lat)) = atanh(sin(lat)) =
// ln((1 + sin) / (1 - sin)) / 2 is one sin and one log instead of tan, log1p and sqrt, and
// constants multiply instead of divide (an ulp or two off, well inside the guard). Where the
// quick value lies within the guard of a row edge, flooring it could disagree with the
// reference, so the reference decides.
double RowFloor(double lat, double n) {
  constexpr double kRadPerDegree = M_PI / 180.0;
  constexpr double kHalfOverPi = 0.5 / M_PI;
  const double s = std::sin(lat * kRadPerDegree);
  const double quick = (0.5 - kHalfOverPi * 0.5 * std::log((1.0 + s) / (1.0 - s))) * n;
  const double row = std::floor(quick);
  const double guard = kQuickRowGuard * n;
  if (quick - row > guard && row + 1.0 - quick > guard) return row;
  return std::floor(ReferenceRow(lat, n));
}

}  // namespace

TileKey TileForDegrees(double lat, double lon, int z) {
  lat = std::clamp(lat, -kMaxLatitude, kMaxLatitude);
  lon = std::clamp(lon, -180.0, 180.0);
  const double n = std::ldexp(1.0, z);
  const int32_t max_index = static_cast<int32_t>(n) - 1;
  auto x = static_cast<int32_t>(std::floor((lon + 180.0) / 360.0 * n));
  auto y = static_cast<int32_t>(RowFloor(lat, n));
  // lon = 180 and lat = -85.05 land exactly on the far edge; they belong to the last tile.
  return TileKey{z, std::clamp(x, 0, max_index), std::clamp(y, 0, max_index)};
}

TileKey TileForPoint(int32_t lat_e7, int32_t lon_e7, int z) {
  return TileForDegrees(lat_e7 / 1e7, lon_e7 / 1e7, z);
}

TileKey ParentTile(TileKey key, int z_parent) {
  const int shift = key.z - z_parent;
  return TileKey{z_parent, key.x >> shift, key.y >> shift};
}

std::string Quadkey(TileKey key) {
  std::string out(static_cast<size_t>(key.z), '0');
  for (int i = key.z; i > 0; --i) {
    const int mask = 1 << (i - 1);
    out[key.z - i] = static_cast<char>('0' + ((key.x & mask) ? 1 : 0) + ((key.y & mask) ? 2 : 0));
  }
  return out;
}

}  // namespace roadsense::geo
