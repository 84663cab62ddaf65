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
constexpr double kRadPerDegree = M_PI / 180.0;

double QuickRow(double lat, double n) {
  constexpr double kHalfOverPi = 0.5 / M_PI;
  const double s = std::sin(lat * kRadPerDegree);
  return (0.5 - kHalfOverPi * 0.5 * std::log((1.0 + s) / (1.0 - s))) * n;
}

// Whether flooring `quick` may be trusted: it is more than the guard inside its row.
bool Trusted(double quick, double row, double n) {
  const double guard = kQuickRowGuard * n;
  return quick - row > guard && row + 1.0 - quick > guard;
}

double RowFloor(double lat, double n) {
  const double quick = QuickRow(lat, n);
  const double row = std::floor(quick);
  if (Trusted(quick, row, n)) return row;
  return std::floor(ReferenceRow(lat, n));
}

// The column of a longitude (already clamped) at n = 2^z columns, before clamping.
int32_t Column(double lon, double n) {
  return static_cast<int32_t>(std::floor((lon + 180.0) / 360.0 * n));
}

// TileLocator's limits. Up to kLocatorSpanE7 (0.05°, ~5.5 km) either side of the point whose row
// was computed, below kLocatorMaxLatitude, where sec(lat) (the row's derivative) stays below 6.
constexpr int32_t kLocatorSpanE7 = 500'000;
constexpr double kLocatorMaxLatitude = 80.0;

}  // namespace

TileKey TileForDegrees(double lat, double lon, int z) {
  lat = std::clamp(lat, -kMaxLatitude, kMaxLatitude);
  lon = std::clamp(lon, -180.0, 180.0);
  const double n = std::ldexp(1.0, z);
  const int32_t max_index = static_cast<int32_t>(n) - 1;
  auto x = Column(lon, n);
  auto y = static_cast<int32_t>(RowFloor(lat, n));
  // lon = 180 and lat = -85.05 land exactly on the far edge; they belong to the last tile.
  return TileKey{z, std::clamp(x, 0, max_index), std::clamp(y, 0, max_index)};
}

TileKey TileForPoint(int32_t lat_e7, int32_t lon_e7, int z) {
  return TileForDegrees(lat_e7 / 1e7, lon_e7 / 1e7, z);
}

TileLocator::TileLocator(int z) : z_(z), n_(std::ldexp(1.0, z)) {}

TileKey TileLocator::Locate(int32_t lat_e7, int32_t lon_e7) {
  // The column as TileForDegrees computes it (a division and a floor: not worth caching).
  auto tile_in_row = [&](int32_t row) {
    const double lon = std::clamp(lon_e7 / 1e7, -180.0, 180.0);
    const int32_t max_index = static_cast<int32_t>(n_) - 1;
    return TileKey{z_, std::clamp(Column(lon, n_), 0, max_index), row};
  };
  if (cached_ && lat_e7 >= min_lat_e7_ && lat_e7 <= max_lat_e7_) return tile_in_row(row_);
  cached_ = false;
  const double lat = lat_e7 / 1e7;
  if (std::abs(lat) > kLocatorMaxLatitude) return TileForPoint(lat_e7, lon_e7, z_);
  // The row as TileForDegrees computes it (no clamp applies below 80°), without a second sin/log.
  const double quick = QuickRow(lat, n_);
  const double row = std::floor(quick);
  if (!Trusted(quick, row, n_)) return TileForPoint(lat_e7, lon_e7, z_);
  const TileKey tile = tile_in_row(static_cast<int32_t>(row));
  // The quick row of any latitude within the span differs from this one by at most
  // slope × distance (the row value falls as the latitude rises; its slope is n·sec(lat)/360 per
  // degree, largest at the span's end nearest a pole) plus the rounding of both evaluations. So a
  // latitude whose distance keeps that below the room between `quick` and the guard band at
  // either edge of the row has a quick row that is trusted and floors to this row — what
  // TileForPoint returns for it. The margin takes the guard twice: once for the band, once
  // (five orders of magnitude more than needed) for the rounding.
  const double far_lat = std::abs(lat) + kLocatorSpanE7 / 1e7;
  const double slope_per_e7 = n_ / 360.0 / std::cos(far_lat * kRadPerDegree) / 1e7 * (1.0 + 1e-9);
  const double margin = 2.0 * kQuickRowGuard * n_;
  const double room_north = quick - row - margin;        // a higher latitude lowers the value
  const double room_south = row + 1.0 - quick - margin;  // a lower latitude raises it
  if (room_north <= 0 || room_south <= 0) return tile;
  const auto north =
      static_cast<int32_t>(std::min<double>(std::floor(room_north / slope_per_e7), kLocatorSpanE7));
  const auto south =
      static_cast<int32_t>(std::min<double>(std::floor(room_south / slope_per_e7), kLocatorSpanE7));
  cached_ = true;
  row_ = tile.y;
  max_lat_e7_ = lat_e7 + north;
  min_lat_e7_ = lat_e7 - south;
  return tile;
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
