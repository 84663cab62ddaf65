#include "tiles/tile_cache.h"

#include <gtest/gtest.h>

#include <thread>

namespace roadsense::tiles {
namespace {

std::shared_ptr<const CachedTile> Tile(std::string body) {
  auto t = std::make_shared<CachedTile>();
  t->body = std::move(body);
  t->etag = "\"e\"";
  return t;
}

constexpr geo::TileKey kZ10{10, 545, 354};
constexpr geo::TileKey kZ16{16, 34874, 22692};

TEST(TileCacheTest, FindsWhatWasInsertedPerVariant) {
  TileCache cache(1 << 20, std::chrono::seconds(60));
  EXPECT_EQ(cache.Find(kZ10, ""), nullptr);
  cache.Insert(kZ10, "", Tile("live"), cache.generation());
  cache.Insert(kZ10, "100-100", Tile("bucket"), cache.generation());
  ASSERT_NE(cache.Find(kZ10, ""), nullptr);
  EXPECT_EQ(cache.Find(kZ10, "")->body, "live");
  EXPECT_EQ(cache.Find(kZ10, "100-100")->body, "bucket");
  EXPECT_EQ(cache.stats().hits, 3u);
  EXPECT_EQ(cache.stats().misses, 1u);
}

TEST(TileCacheTest, InvalidateDropsEveryVariantOfTheTile) {
  TileCache cache(1 << 20, std::chrono::seconds(60));
  cache.Insert(kZ10, "", Tile("a"), cache.generation());
  cache.Insert(kZ10, "1-2", Tile("b"), cache.generation());
  cache.Insert(kZ16, "", Tile("c"), cache.generation());
  cache.Invalidate({kZ10});
  EXPECT_EQ(cache.Find(kZ10, ""), nullptr);
  EXPECT_EQ(cache.Find(kZ10, "1-2"), nullptr);
  EXPECT_NE(cache.Find(kZ16, ""), nullptr);
}

TEST(TileCacheTest, AFillThatStartedBeforeAnInvalidationIsNotStored) {
  TileCache cache(1 << 20, std::chrono::seconds(60));
  const uint64_t before = cache.generation();
  cache.Invalidate({kZ10});
  cache.Insert(kZ10, "", Tile("stale"), before);
  EXPECT_EQ(cache.Find(kZ10, ""), nullptr);
  EXPECT_EQ(cache.stats().stale_fills, 1u);
  // Other tiles are unaffected by that invalidation.
  cache.Insert(kZ16, "", Tile("fresh"), before);
  EXPECT_NE(cache.Find(kZ16, ""), nullptr);
  // A fill that started after it is stored.
  cache.Insert(kZ10, "", Tile("fresh"), cache.generation());
  EXPECT_NE(cache.Find(kZ10, ""), nullptr);
}

TEST(TileCacheTest, ClearRejectsEveryEarlierFill) {
  TileCache cache(1 << 20, std::chrono::seconds(60));
  const uint64_t before = cache.generation();
  cache.Insert(kZ16, "", Tile("x"), before);
  cache.Clear();
  EXPECT_EQ(cache.Find(kZ16, ""), nullptr);
  cache.Insert(kZ10, "", Tile("x"), before);
  EXPECT_EQ(cache.Find(kZ10, ""), nullptr);
}

TEST(TileCacheTest, EvictsTheLeastRecentlyUsedBeyondTheByteLimit) {
  const std::string kb(1000, 'x');
  TileCache cache(3 * (1000 + 3 + 128), std::chrono::seconds(60));
  for (int x = 0; x < 3; ++x) cache.Insert({16, x, 0}, "", Tile(kb), cache.generation());
  ASSERT_NE(cache.Find({16, 0, 0}, ""), nullptr);  // 0 is now the most recent
  cache.Insert({16, 3, 0}, "", Tile(kb), cache.generation());
  EXPECT_NE(cache.Find({16, 0, 0}, ""), nullptr);
  EXPECT_EQ(cache.Find({16, 1, 0}, ""), nullptr);
  EXPECT_EQ(cache.stats().evictions, 1u);
  EXPECT_LE(cache.stats().bytes, 3u * (1000 + 3 + 128));
}

TEST(TileCacheTest, EntriesExpireAfterTheTtl) {
  TileCache cache(1 << 20, std::chrono::milliseconds(20));
  cache.Insert(kZ16, "", Tile("x"), cache.generation());
  std::this_thread::sleep_for(std::chrono::milliseconds(40));
  EXPECT_EQ(cache.Find(kZ16, ""), nullptr);
  EXPECT_EQ(cache.stats().entries, 0u);
}

TEST(TileCacheTest, ZeroBytesDisablesCaching) {
  TileCache cache(0, std::chrono::seconds(60));
  cache.Insert(kZ16, "", Tile("x"), cache.generation());
  EXPECT_EQ(cache.Find(kZ16, ""), nullptr);
}

}  // namespace
}  // namespace roadsense::tiles
