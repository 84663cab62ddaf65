#include "db/tile_change_notifier.h"

#include <map>
#include <set>
#include <tuple>
#include <utility>

#include "db/pg_array.h"

namespace roadsense::db {
namespace {

constexpr char kNotify[] = "tiles_changed_notify";

// (layer, z, bucket) → tiles; bucket "-" for layers without time buckets.
using Groups = std::map<std::tuple<std::string, int, std::string>, std::set<std::pair<int, int>>>;

void AppendPayloads(const Groups& groups, std::vector<std::string>* out) {
  for (const auto& [group, tiles] : groups) {
    const auto& [layer, z, bucket] = group;
    const std::string head = "v1 " + layer + " " + std::to_string(z) + " " + bucket;
    std::string line = head;
    for (const auto& [x, y] : tiles) {
      std::string item = " " + std::to_string(x) + "/" + std::to_string(y);
      if (line.size() + item.size() > TileChangeNotifier::kMaxPayloadBytes) {
        out->push_back(std::move(line));
        line = head;
      }
      line += item;
    }
    out->push_back(std::move(line));
  }
}

}  // namespace

void TileChangeNotifier::Prepare(pqxx::connection_base& connection) {
  connection.prepare(kNotify, "SELECT pg_notify('tiles_changed', p) FROM unnest($1::text[]) p");
}

std::vector<std::string> TileChangeNotifier::Payloads(const MapDelta& delta) {
  Groups groups;
  for (const auto& [key, stats] : delta.tiles) {
    // Buckets are whole seconds (bucket length is in seconds).
    groups[{"traffic", key.tile.z, std::to_string(key.bucket_start_ms / 1000)}].insert(
        {key.tile.x, key.tile.y});
  }
  for (const auto& [key, cluster] : delta.hazards) {
    groups[{"hazards", key.tile.z, "-"}].insert({key.tile.x, key.tile.y});
  }
  for (const auto& [key, votes] : delta.speed_limits) {
    groups[{"speed_limits", key.tile.z, "-"}].insert({key.tile.x, key.tile.y});
  }
  std::vector<std::string> payloads;
  AppendPayloads(groups, &payloads);
  return payloads;
}

size_t TileChangeNotifier::Notify(StatementBatch& batch, const MapDelta& delta) {
  const std::vector<std::string> payloads = Payloads(delta);
  if (!payloads.empty()) batch.AddPrepared(kNotify, {PgArrayLiteral(payloads)});
  return payloads.size();
}

}  // namespace roadsense::db
