// TileCache: an in-memory LRU of encoded vector tiles, bounded in bytes and age, invalidated tile
// by tile when the database announces changes (LISTEN tiles_changed).
//
// Keys are a tile plus a variant (the request's time window, "" for the live default). A fill
// races with invalidations: the caller reads generation() before querying the database and passes
// it to Insert(), which drops the result when the tile was invalidated (or the cache cleared)
// after that moment — a stale tile never enters the cache. Entries also expire after `ttl`,
// because some tile content depends on the clock (hazard confidence decays, the live window
// slides). max_bytes 0 disables caching.
//
// Threading: every method is thread-safe (one mutex; no I/O under it).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "geo/tile_key.h"

namespace roadsense::tiles {

struct CachedTile {
  std::string body;       // the MVT bytes (may be empty: a tile without features)
  std::string gzip_body;  // the same, gzip-compressed
  std::string etag;       // strong ETag, quoted: a digest of `body`
};

class TileCache {
 public:
  using Clock = std::chrono::steady_clock;

  TileCache(size_t max_bytes, std::chrono::milliseconds ttl);

  // The cached tile, or nullptr (missing or expired). Counts a hit or a miss.
  std::shared_ptr<const CachedTile> Find(const geo::TileKey& tile, std::string_view variant);
  // Read before the database query whose result will be passed to Insert().
  uint64_t generation() const;
  // Stores `value` unless the tile was invalidated after `fill_generation`; evicts least recently
  // used entries beyond max_bytes.
  void Insert(const geo::TileKey& tile, std::string_view variant,
              std::shared_ptr<const CachedTile> value, uint64_t fill_generation);
  // Drops every variant of each tile; fills that started before now will not be stored.
  void Invalidate(const std::vector<geo::TileKey>& tiles);
  // Drops everything (after missed notifications).
  void Clear();

  struct Stats {
    uint64_t hits = 0, misses = 0, inserts = 0, stale_fills = 0, evictions = 0, invalidations = 0;
    size_t entries = 0, bytes = 0;
  };
  Stats stats() const;

 private:
  using Key = std::tuple<int, int, int, std::string>;
  struct Entry {
    std::shared_ptr<const CachedTile> value;
    Clock::time_point expires;
    size_t bytes = 0;
    std::list<Key>::iterator lru;
  };
  void EraseLocked(std::map<Key, Entry>::iterator it);
  void PruneTombstonesLocked(Clock::time_point now);

  const size_t max_bytes_;
  const std::chrono::milliseconds ttl_;
  mutable std::mutex mu_;
  std::map<Key, Entry> entries_;  // ordered: a tile's variants are adjacent
  std::list<Key> lru_;            // front = most recently used
  uint64_t generation_ = 1;
  uint64_t cleared_at_ = 0;  // generation of the last Clear()
  // Invalidated tiles and the generation of their last invalidation, kept for a minute (longer
  // than any fill may take: the database statement timeout is shorter).
  std::map<geo::TileKey, uint64_t> tombstones_;
  struct Tombstone {
    Clock::time_point at;
    geo::TileKey tile;
    uint64_t generation;
  };
  std::deque<Tombstone> tombstone_order_;
  Stats stats_;
};

}  // namespace roadsense::tiles
