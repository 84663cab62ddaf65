// Integration tests of db/ against a real PostgreSQL (one cluster per test binary).
#include <gtest/gtest.h>

#include <barrier>
#include <future>
#include <pqxx/connection>
#include <pqxx/transaction>
#include <thread>

#include "db/ingest_store.h"
#include "db/migration_runner.h"
#include "geo/tile_key.h"
#include "tests/db/database_test.h"

namespace roadsense::db {
namespace {

using roadsense::testing::DatabaseTest;

class RepositoryTest : public DatabaseTest {
 protected:
  static db::LedgerEntry Entry(const std::string& pseudonym, int64_t sequence) {
    return {{pseudonym, sequence},
            1'700'000'100'000,
            "msg-" + pseudonym + "-" + std::to_string(sequence)};
  }

  static TileBucketKey Key(int x, int y, int64_t bucket_ms = 1'700'000'100'000) {
    return {{16, x, y}, bucket_ms};
  }

  // `n` reports at `speed_cms` by `n` vehicles, observed from `t_ms` on, one per millisecond.
  static TileStats Stats(int n, int32_t speed_cms, int64_t t_ms = 1'700'000'100'000) {
    TileStats s;
    for (int i = 0; i < n; ++i) {
      s.vehicles.Add(HyperLogLog::Hash64("vehicle-" + std::to_string(i)));
      s.AddObservation(t_ms + i);
      s.AddSpeed(speed_cms);
      ++s.probe_reports;
    }
    return s;
  }

  // Ingests `entries`, adding `tiles` once if anything was claimed.
  static IngestOutcome Ingest(IngestStore& store, const std::vector<LedgerEntry>& entries,
                              const TileStatsMap& tiles) {
    Result<IngestOutcome> outcome =
        store.Ingest(entries, [&](const std::vector<bool>&) { return MapDelta{.tiles = tiles}; });
    EXPECT_TRUE(outcome.ok()) << outcome.status().ToString();
    return outcome.ok() ? *outcome : IngestOutcome{};
  }

  void SetUp() override {
    DatabaseTest::SetUp();
    IngestStore store(ConnectionString());
    Result<int> applied = store.Migrate();
    ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  }

  static int64_t Reports(int x, int y) {
    return QueryValue<int64_t>("SELECT coalesce(sum(reports), 0) FROM tile_stats WHERE x = " +
                               std::to_string(x) + " AND y = " + std::to_string(y));
  }
};

TEST_F(RepositoryTest, MigrationsApplyTwiceIdempotently) {
  const int64_t before = QueryValue<int64_t>("SELECT count(*) FROM schema_migrations");
  EXPECT_EQ(before, static_cast<int64_t>(EmbeddedMigrations().size()));
  pqxx::connection c(ConnectionString());
  Result<int> again = MigrationRunner().Apply(c);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(*again, 0);
  EXPECT_EQ(QueryValue<int64_t>("SELECT count(*) FROM schema_migrations"), before);
}

TEST_F(RepositoryTest, MigrationsApplyOnceWhenTwoRunnersStartTogether) {
  pqxx::connection reset(ConnectionString());
  {
    pqxx::work txn(reset);
    txn.exec("DROP SCHEMA public CASCADE; CREATE SCHEMA public");
    txn.commit();
  }
  auto run = [&] {
    pqxx::connection c(ConnectionString());
    Result<int> applied = MigrationRunner().Apply(c);
    return applied.ok() ? *applied : -1;
  };
  auto a = std::async(std::launch::async, run);
  auto b = std::async(std::launch::async, run);
  const int applied_a = a.get();
  const int applied_b = b.get();
  ASSERT_GE(applied_a, 0);
  ASSERT_GE(applied_b, 0);
  EXPECT_EQ(applied_a + applied_b, static_cast<int>(EmbeddedMigrations().size()));
  EXPECT_EQ(QueryValue<int64_t>("SELECT count(*) FROM schema_migrations"),
            static_cast<int64_t>(EmbeddedMigrations().size()));
}

TEST_F(RepositoryTest, ChangedMigrationIsRejected) {
  std::vector<Migration> changed = EmbeddedMigrations();
  changed.front().sql += "\n-- edited after release";
  pqxx::connection c(ConnectionString());
  Result<int> applied = MigrationRunner(changed).Apply(c);
  ASSERT_FALSE(applied.ok());
  EXPECT_EQ(applied.status().code(), StatusCode::kFailedPrecondition);
}

TEST_F(RepositoryTest, RedeliveryDoesNotDoubleCount) {
  IngestStore store(ConnectionString());
  const std::vector<LedgerEntry> entries = {Entry("car-aaaaaaaa", 1)};
  const TileStatsMap tiles = {{Key(100, 200), Stats(3, 1000)}};
  IngestOutcome first = Ingest(store, entries, tiles);
  IngestOutcome second = Ingest(store, entries, tiles);
  EXPECT_EQ(first.claimed_batches, 1u);
  EXPECT_EQ(second.claimed_batches, 0u);
  EXPECT_EQ(second.duplicate_batches, 1u);
  EXPECT_EQ(Reports(100, 200), 3);
}

TEST_F(RepositoryTest, OnlyClaimedBatchesAreReportedToTheAggregator) {
  IngestStore store(ConnectionString());
  Ingest(store, {Entry("car-bbbbbbbb", 2)}, {{Key(1, 1), Stats(1, 10)}});
  std::vector<bool> seen;
  auto outcome = store.Ingest({Entry("car-bbbbbbbb", 3), Entry("car-bbbbbbbb", 2)},
                              [&](const std::vector<bool>& claimed) {
                                seen = claimed;
                                return MapDelta{};
                              });
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  EXPECT_EQ(seen, (std::vector<bool>{true, false}));
}

TEST_F(RepositoryTest, UpsertMergesCountsAndExtremes) {
  IngestStore store(ConnectionString());
  Ingest(store, {Entry("car-cccccccc", 1)}, {{Key(5, 6), Stats(2, 1500)}});
  TileStats no_speed;  // a row without speeds must keep the stored extremes
  no_speed.AddObservation(1'700'000'000'000);
  Ingest(store, {Entry("car-cccccccc", 2)}, {{Key(5, 6), Stats(1, 0)}});
  Ingest(store, {Entry("car-cccccccc", 3)}, {{Key(5, 6), no_speed}});
  pqxx::connection c(ConnectionString());
  pqxx::work txn(c);
  auto row = txn.exec1(
      "SELECT reports, probe_reports, speed_n, speed_sum_cms, speed_min_cms, speed_max_cms,"
      " extract(epoch FROM first_observed) * 1000 FROM tile_stats WHERE x = 5 AND y = 6");
  EXPECT_EQ(row[0].as<int64_t>(), 4);
  EXPECT_EQ(row[1].as<int64_t>(), 3);
  EXPECT_EQ(row[2].as<int64_t>(), 3);
  EXPECT_EQ(row[3].as<int64_t>(), 3000);
  EXPECT_EQ(row[4].as<int>(), 0);
  EXPECT_EQ(row[5].as<int>(), 1500);
  EXPECT_EQ(row[6].as<double>(), 1'700'000'000'000.0);
}

TEST_F(RepositoryTest, ConcurrentOverlappingUpsertsBothLand) {
  // Both transactions hold their ledger claims and reach the upsert at the same moment, on the
  // same tiles; row locks serialise them and ON CONFLICT adds, so no update is lost.
  std::barrier both_claimed(2);
  const TileStatsMap tiles = {{Key(10, 10), Stats(2, 100)}, {Key(10, 11), Stats(3, 200)}};
  auto run = [&](const std::string& pseudonym) {
    IngestStore store(ConnectionString());
    return store.Ingest({Entry(pseudonym, 1)}, [&](const std::vector<bool>&) {
      both_claimed.arrive_and_wait();
      return MapDelta{.tiles = tiles};
    });
  };
  auto a = std::async(std::launch::async, run, "car-dddddddd");
  auto b = std::async(std::launch::async, run, "car-eeeeeeee");
  auto ra = a.get();
  auto rb = b.get();
  ASSERT_TRUE(ra.ok()) << ra.status().ToString();
  ASSERT_TRUE(rb.ok()) << rb.status().ToString();
  EXPECT_EQ(Reports(10, 10), 4);
  EXPECT_EQ(Reports(10, 11), 6);
}

TEST_F(RepositoryTest, ConcurrentDuplicateBatchCountsOnce) {
  // The second claim of the same key waits for the first transaction, then finds it committed.
  std::promise<void> first_claimed;
  std::promise<void> release_first;
  const TileStatsMap tiles = {{Key(7, 7), Stats(1, 100)}};
  auto first = std::async(std::launch::async, [&] {
    IngestStore store(ConnectionString());
    return store.Ingest({Entry("car-ffffffff", 9)}, [&](const std::vector<bool>&) {
      first_claimed.set_value();
      release_first.get_future().wait();
      return MapDelta{.tiles = tiles};
    });
  });
  first_claimed.get_future().wait();
  auto second = std::async(std::launch::async, [&] {
    IngestStore store(ConnectionString());
    return store.Ingest({Entry("car-ffffffff", 9)},
                        [&](const std::vector<bool>&) { return MapDelta{.tiles = tiles}; });
  });
  // Release the first only once the second is blocked on its row lock.
  while (QueryValue<int64_t>("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = "
                             "'Lock' AND datname = 'roadsense'") == 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  release_first.set_value();
  auto r1 = first.get();
  auto r2 = second.get();
  ASSERT_TRUE(r1.ok()) << r1.status().ToString();
  ASSERT_TRUE(r2.ok()) << r2.status().ToString();
  EXPECT_EQ(r1->claimed_batches + r2->claimed_batches, 1u);
  EXPECT_EQ(r1->claim_reruns + r2->claim_reruns, 1u);  // the waiting plain insert failed once
  EXPECT_EQ(Reports(7, 7), 1);
}

TEST_F(RepositoryTest, ClaimMeetingAClaimedBatchRunsAgainThenSkipsExistingForAWhile) {
  IngestStore first(ConnectionString());
  EXPECT_EQ(Ingest(first, {Entry("car-gggggggg", 1)}, {{Key(8, 8), Stats(1, 100)}}).claim_reruns,
            0u);

  // A fresh store expects new batches; meeting one already claimed, it reruns the transaction
  // and claims exactly the new one.
  IngestStore store(ConnectionString());
  int64_t sequence = 2;
  auto mixed = [&] {
    return Ingest(store, {Entry("car-gggggggg", 1), Entry("car-gggggggg", sequence++)},
                  {{Key(8, 8), Stats(1, 100)}});
  };
  IngestOutcome rerun = mixed();
  EXPECT_EQ(rerun.claim_reruns, 1u);
  EXPECT_EQ(rerun.claimed_batches, 1u);
  EXPECT_EQ(rerun.duplicate_batches, 1u);
  // The next ingests skip existing batches at once, then the store expects new ones again.
  for (int i = 0; i < IngestStore::kSkipExistingAfterDuplicate; ++i) {
    IngestOutcome o = mixed();
    EXPECT_EQ(o.claim_reruns, 0u) << i;
    EXPECT_EQ(o.claimed_batches, 1u) << i;
  }
  EXPECT_EQ(mixed().claim_reruns, 1u);
  EXPECT_EQ(Ingest(store, {Entry("car-hhhhhhhh", 1)}, {}).claim_reruns, 0u);
  EXPECT_EQ(Reports(8, 8), 2 + IngestStore::kSkipExistingAfterDuplicate + 1);
  EXPECT_EQ(QueryValue<int64_t>("SELECT count(*) FROM ingest_ledger"),
            2 + IngestStore::kSkipExistingAfterDuplicate + 1 + 1);
}

TEST_F(RepositoryTest, ViewsDeriveSpeedAndQuadkey) {
  IngestStore store(ConnectionString());
  const geo::TileKey tile = geo::TileForDegrees(48.1374, 11.5755);  // Munich
  const int64_t now_ms = QueryValue<int64_t>("SELECT (extract(epoch FROM now()) * 1000)::bigint");
  Ingest(store, {Entry("car-gggggggg", 1)},
         {{{tile, geo::BucketStartMs(now_ms, 300)}, Stats(5, 2500, now_ms)}});  // k = 5
  pqxx::connection c(ConnectionString());
  pqxx::work txn(c);
  auto map = txn.exec1("SELECT quadkey, mean_speed_kmh, reports FROM map_tiles");
  EXPECT_EQ(map[0].as<std::string>(), geo::Quadkey(tile));
  EXPECT_DOUBLE_EQ(map[1].as<double>(), 90.0);  // 2500 cm/s = 90 km/h
  EXPECT_EQ(map[2].as<int64_t>(), 5);
  auto busiest = txn.exec("SELECT x, y, reports, mean_speed_kmh FROM busiest_tiles");
  ASSERT_EQ(busiest.size(), 1u);
  EXPECT_EQ(busiest[0][0].as<int>(), tile.x);
  EXPECT_EQ(busiest[0][2].as<int64_t>(), 5);
}

TEST_F(RepositoryTest, IngestWithoutServerIsUnavailable) {
  IngestStore store("host=127.0.0.1 port=1 dbname=roadsense user=roadsense connect_timeout=2");
  auto outcome =
      store.Ingest({Entry("car-hhhhhhhh", 1)}, [](const std::vector<bool>&) { return MapDelta{}; });
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.status().code(), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace roadsense::db
