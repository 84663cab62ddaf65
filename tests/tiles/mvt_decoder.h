// A small Mapbox Vector Tile 2.1 decoder for tests (Debian has no vector_tile.proto package): the
// layers, their features' type, properties and vertices (tile coordinates, extent units).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace roadsense::tiles {

struct MvtValue {
  bool is_string = false;
  std::string text;
  double number = 0;  // every numeric and bool value
};

struct MvtFeature {
  int type = 0;  // 1 point, 2 line, 3 polygon
  std::map<std::string, MvtValue> properties;
  std::vector<std::pair<int64_t, int64_t>> vertices;  // absolute, in order
  double Number(const std::string& key) const;        // NaN when absent or a string
  std::string Text(const std::string& key) const;     // "" when absent or a number
};

struct MvtLayer {
  std::string name;
  uint32_t extent = 4096;
  std::vector<MvtFeature> features;
};

Result<std::map<std::string, MvtLayer>> DecodeMvt(std::string_view bytes);

}  // namespace roadsense::tiles
