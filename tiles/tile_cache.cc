#include "tiles/tile_cache.h"

namespace roadsense::tiles {
namespace {
constexpr auto kTombstoneLifetime = std::chrono::seconds(60);
}

TileCache::TileCache(size_t max_bytes, std::chrono::milliseconds ttl)
    : max_bytes_(max_bytes), ttl_(ttl) {}

std::shared_ptr<const CachedTile> TileCache::Find(const geo::TileKey& tile,
                                                  std::string_view variant) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(Key(tile.z, tile.x, tile.y, std::string(variant)));
  if (it == entries_.end()) {
    ++stats_.misses;
    return nullptr;
  }
  if (Clock::now() >= it->second.expires) {
    EraseLocked(it);
    ++stats_.misses;
    return nullptr;
  }
  lru_.splice(lru_.begin(), lru_, it->second.lru);
  ++stats_.hits;
  return it->second.value;
}

uint64_t TileCache::generation() const {
  std::lock_guard lock(mu_);
  return generation_;
}

void TileCache::Insert(const geo::TileKey& tile, std::string_view variant,
                       std::shared_ptr<const CachedTile> value, uint64_t fill_generation) {
  const size_t bytes = value->body.size() + value->gzip_body.size() + value->etag.size() + 128;
  std::lock_guard lock(mu_);
  if (max_bytes_ == 0 || bytes > max_bytes_) return;
  auto tomb = tombstones_.find(tile);
  if (fill_generation <= cleared_at_ ||
      (tomb != tombstones_.end() && tomb->second >= fill_generation)) {
    ++stats_.stale_fills;
    return;
  }
  Key key(tile.z, tile.x, tile.y, std::string(variant));
  if (auto old = entries_.find(key); old != entries_.end()) EraseLocked(old);
  lru_.push_front(key);
  entries_.emplace(std::move(key),
                   Entry{std::move(value), Clock::now() + ttl_, bytes, lru_.begin()});
  stats_.bytes += bytes;
  ++stats_.inserts;
  while (stats_.bytes > max_bytes_ && !lru_.empty()) {
    EraseLocked(entries_.find(lru_.back()));
    ++stats_.evictions;
  }
}

void TileCache::Invalidate(const std::vector<geo::TileKey>& tiles) {
  const auto now = Clock::now();
  std::lock_guard lock(mu_);
  const uint64_t gen = generation_++;
  for (const geo::TileKey& tile : tiles) {
    tombstones_[tile] = gen;
    tombstone_order_.push_back({now, tile, gen});
    auto it = entries_.lower_bound(Key(tile.z, tile.x, tile.y, std::string()));
    while (it != entries_.end() && std::get<0>(it->first) == tile.z &&
           std::get<1>(it->first) == tile.x && std::get<2>(it->first) == tile.y) {
      auto next = std::next(it);
      EraseLocked(it);
      ++stats_.invalidations;
      it = next;
    }
  }
  PruneTombstonesLocked(now);
}

void TileCache::Clear() {
  std::lock_guard lock(mu_);
  cleared_at_ = generation_++;
  stats_.invalidations += entries_.size();
  entries_.clear();
  lru_.clear();
  stats_.bytes = 0;
}

TileCache::Stats TileCache::stats() const {
  std::lock_guard lock(mu_);
  Stats s = stats_;
  s.entries = entries_.size();
  return s;
}

void TileCache::EraseLocked(std::map<Key, Entry>::iterator it) {
  stats_.bytes -= it->second.bytes;
  lru_.erase(it->second.lru);
  entries_.erase(it);
}

void TileCache::PruneTombstonesLocked(Clock::time_point now) {
  while (!tombstone_order_.empty() && now - tombstone_order_.front().at > kTombstoneLifetime) {
    const Tombstone& oldest = tombstone_order_.front();
    // A newer invalidation of the same tile keeps its tombstone alive.
    auto it = tombstones_.find(oldest.tile);
    if (it != tombstones_.end() && it->second == oldest.generation) tombstones_.erase(it);
    tombstone_order_.pop_front();
  }
}

}  // namespace roadsense::tiles
