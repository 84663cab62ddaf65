#include "geo/tile_key.h"

#include <algorithm>
#include <cmath>

namespace roadsense::geo {

TileKey TileForDegrees(double lat, double lon, int z) {
  lat = std::clamp(lat, -kMaxLatitude, kMaxLatitude);
  lon = std::clamp(lon, -180.0, 180.0);
  const double n = std::ldexp(1.0, z);
  const int32_t max_index = static_cast<int32_t>(n) - 1;
  const double lat_rad = lat * M_PI / 180.0;
  auto x = static_cast<int32_t>(std::floor((lon + 180.0) / 360.0 * n));
  auto y = static_cast<int32_t>(std::floor((1.0 - std::asinh(std::tan(lat_rad)) / M_PI) / 2.0 * n));
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
