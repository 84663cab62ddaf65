// TileChange: one line of the `tiles_changed` notification (db/tiles_changed.md) — which tiles of
// one layer changed in a commit — and the vector tiles it makes stale.
// Pure functions and value types; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "geo/tile_key.h"

namespace roadsense::tiles {

struct TileChange {
  std::string layer;                // "traffic", "hazards", "speed_limits", or a future one
  int z = 0;                        // zoom of `tiles`
  std::optional<int64_t> bucket_s;  // bucket start (Unix seconds) for bucketed layers
  std::vector<geo::TileKey> tiles;  // ascending, each once
};

// Parses "v1 <layer> <z> <bucket|-> <x>/<y> ...". A version other than v1 is kNotFound (the
// caller ignores the line, as the format requires); anything malformed is kInvalidArgument.
Result<TileChange> ParseTileChange(std::string_view payload);

// The ancestors at zooms 0..max_zoom (and the tile itself when its zoom <= max_zoom) of every
// changed tile, each once: the vector tiles whose content may have changed.
std::vector<geo::TileKey> AffectedTiles(const TileChange& change, int max_zoom);

// The change as one JSON object, the `data` of a Server-Sent Event (tiles/events.md):
// {"layer":"traffic","z":16,"bucket":1732550400,"tiles":[[34874,22692],...]}
std::string TileChangeJson(const TileChange& change);

}  // namespace roadsense::tiles
