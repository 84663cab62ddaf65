#include "tiles/tile_change.h"

#include <algorithm>
#include <charconv>

namespace roadsense::tiles {
namespace {

// Splits on single spaces; empty fields are kept so that "a  b" is rejected as malformed.
std::vector<std::string_view> Fields(std::string_view s) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    const size_t space = s.find(' ', start);
    out.push_back(s.substr(start, space == std::string_view::npos ? space : space - start));
    if (space == std::string_view::npos) return out;
    start = space + 1;
  }
}

template <typename T>
bool ParseNumber(std::string_view s, T* out) {
  if (s.empty()) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size();
}

}  // namespace

Result<TileChange> ParseTileChange(std::string_view payload) {
  while (!payload.empty() && (payload.back() == '\n' || payload.back() == '\r')) {
    payload.remove_suffix(1);
  }
  const std::vector<std::string_view> f = Fields(payload);
  if (f.empty() || f[0] != "v1") {
    return Status(StatusCode::kNotFound, "unknown tiles_changed version");
  }
  if (f.size() < 4) return InvalidArgument("tiles_changed: fewer than 4 fields");
  TileChange change;
  change.layer = std::string(f[1]);
  if (change.layer.empty()) return InvalidArgument("tiles_changed: empty layer");
  if (!ParseNumber(f[2], &change.z) || change.z < 0 || change.z > geo::kMaxZoom) {
    return InvalidArgument("tiles_changed: bad zoom '" + std::string(f[2]) + "'");
  }
  if (f[3] != "-") {
    int64_t bucket = 0;
    if (!ParseNumber(f[3], &bucket)) {
      return InvalidArgument("tiles_changed: bad bucket '" + std::string(f[3]) + "'");
    }
    change.bucket_s = bucket;
  }
  const int64_t limit = int64_t{1} << change.z;
  for (size_t i = 4; i < f.size(); ++i) {
    const size_t slash = f[i].find('/');
    geo::TileKey key{change.z, 0, 0};
    if (slash == std::string_view::npos || !ParseNumber(f[i].substr(0, slash), &key.x) ||
        !ParseNumber(f[i].substr(slash + 1), &key.y) || key.x < 0 || key.y < 0 || key.x >= limit ||
        key.y >= limit) {
      return InvalidArgument("tiles_changed: bad tile '" + std::string(f[i]) + "'");
    }
    change.tiles.push_back(key);
  }
  return change;
}

std::vector<geo::TileKey> AffectedTiles(const TileChange& change, int max_zoom) {
  std::vector<geo::TileKey> out;
  for (const geo::TileKey& tile : change.tiles) {
    for (int z = 0; z <= std::min(max_zoom, tile.z); ++z) out.push_back(geo::ParentTile(tile, z));
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::string TileChangeJson(const TileChange& change) {
  // The layer came from PostgreSQL and was checked to be one space-free field; escape anyway.
  std::string layer;
  for (char c : change.layer) {
    if (c == '"' || c == '\\') layer += '\\';
    if (static_cast<unsigned char>(c) >= 0x20) layer += c;
  }
  std::string out =
      "{\"layer\":\"" + layer + "\",\"z\":" + std::to_string(change.z) +
      ",\"bucket\":" + (change.bucket_s ? std::to_string(*change.bucket_s) : std::string("null")) +
      ",\"tiles\":[";
  for (size_t i = 0; i < change.tiles.size(); ++i) {
    if (i > 0) out += ',';
    out += '[' + std::to_string(change.tiles[i].x) + ',' + std::to_string(change.tiles[i].y) + ']';
  }
  out += "]}";
  return out;
}

}  // namespace roadsense::tiles
