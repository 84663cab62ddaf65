// MapDelta: everything one ingest transaction adds to the map, layer by layer — what the worker's
// aggregator produces from the batches it claimed and IngestStore writes. Each map is sorted by
// its primary key, the order rows are locked in. Value type; not thread-safe.
#pragma once

#include "db/hazard_cluster.h"
#include "db/speed_limit_votes.h"
#include "db/tile_stats.h"

namespace roadsense::db {

struct MapDelta {
  TileStatsMap tiles{};              // tile_stats (traffic and weather)
  HazardClusterMap hazards{};        // hazard_clusters
  SpeedLimitVoteMap speed_limits{};  // speed_limit_votes

  bool empty() const { return tiles.empty() && hazards.empty() && speed_limits.empty(); }
};

}  // namespace roadsense::db
