// ingest_ledger's time partitions (migration 0005) against a real PostgreSQL: a redelivered
// batch is still skipped when its ledger row lives in an older partition or was moved out of the
// default partition, and retention drops whole partitions.
#include <gtest/gtest.h>

#include <pqxx/connection>
#include <pqxx/transaction>
#include <string>

#include "db/ingest_store.h"
#include "db/retention_pruner.h"
#include "tests/db/database_test.h"

namespace roadsense::db {
namespace {

using roadsense::testing::DatabaseTest;

constexpr int64_t kDayMs = 86'400'000;

class LedgerPartitionTest : public DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    IngestStore store(ConnectionString());
    Result<int> applied = store.Migrate();
    ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  }

  // Midnight UTC today, epoch ms.
  static int64_t TodayMs() {
    return QueryValue<int64_t>(
        "SELECT (extract(epoch FROM date_trunc('day', now() AT TIME ZONE 'UTC')) * 1000)::bigint");
  }

  static std::string PartitionName(int64_t batch_time_ms) {
    return QueryValue<std::string>("SELECT 'ingest_ledger_p' || to_char(to_timestamp(" +
                                   std::to_string(batch_time_ms) +
                                   " / 1000.0) AT TIME ZONE 'UTC', 'YYYYMMDD')");
  }

  // The partition holding the ledger row of (pseudonym, 1).
  static std::string PartitionOf(const std::string& pseudonym) {
    return QueryValue<std::string>(
        "SELECT tableoid::regclass::text FROM ingest_ledger WHERE vehicle_pseudonym = '" +
        pseudonym + "'");
  }

  // create_daily_partitions over [from_ms, from_ms + 1 ms), committed; returns partitions created.
  static int CreatePartitionsAt(int64_t from_ms) {
    pqxx::connection c(ConnectionString());
    pqxx::work txn(c);
    const int created = txn.exec1("SELECT create_daily_partitions('ingest_ledger', to_timestamp(" +
                                  std::to_string(from_ms) + " / 1000.0), to_timestamp(" +
                                  std::to_string(from_ms + 1) + " / 1000.0))")[0]
                            .as<int>();
    txn.commit();
    return created;
  }

  static bool TableExists(const std::string& name) {
    return QueryValue<bool>("SELECT to_regclass('" + name + "') IS NOT NULL");
  }

  // Ingests batch (pseudonym, 1) filed at `batch_time_ms`, adding 3 reports to one tile.
  static IngestOutcome Ingest(IngestStore& store, const std::string& pseudonym,
                              int64_t batch_time_ms) {
    TileStats stats;
    stats.AddObservation(batch_time_ms);
    stats.reports = 3;
    const TileStatsMap tiles{{TileBucketKey{{16, 1, 1}, 1'700'000'100'000}, stats}};
    Result<IngestOutcome> outcome =
        store.Ingest({{{pseudonym, 1}, batch_time_ms, "msg"}},
                     [&](const std::vector<bool>&) { return MapDelta{.tiles = tiles}; });
    EXPECT_TRUE(outcome.ok()) << outcome.status().ToString();
    return outcome.ok() ? *outcome : IngestOutcome{};
  }

  static int64_t TileReports() {
    return QueryValue<int64_t>("SELECT coalesce(sum(reports), 0) FROM tile_stats");
  }
};

TEST_F(LedgerPartitionTest, RedeliveryFindsItsRowInAnOlderPartition) {
  IngestStore store(ConnectionString());
  const int64_t yesterday_last_ms = TodayMs() - 1;  // one millisecond before the boundary
  EXPECT_EQ(Ingest(store, "car-a", yesterday_last_ms).claimed_batches, 1u);
  EXPECT_EQ(PartitionOf("car-a"), PartitionName(yesterday_last_ms));
  EXPECT_NE(PartitionOf("car-a"), PartitionName(TodayMs()));

  // The copy arrives "today" (processed_at is later); its batch_time is the same as before.
  const IngestOutcome again = Ingest(store, "car-a", yesterday_last_ms);
  EXPECT_EQ(again.claimed_batches, 0u);
  EXPECT_EQ(again.duplicate_batches, 1u);
  EXPECT_EQ(TileReports(), 3);
  EXPECT_EQ(QueryValue<int64_t>("SELECT count(*) FROM ingest_ledger"), 1);
}

TEST_F(LedgerPartitionTest, RowMovedOutOfTheDefaultPartitionStillDeduplicates) {
  IngestStore store(ConnectionString());
  const int64_t far_future_ms = TodayMs() + 10 * kDayMs + 5;  // no partition yet
  EXPECT_EQ(Ingest(store, "car-b", far_future_ms).claimed_batches, 1u);
  EXPECT_EQ(PartitionOf("car-b"), "ingest_ledger_default");

  EXPECT_EQ(CreatePartitionsAt(far_future_ms), 1);
  EXPECT_EQ(PartitionOf("car-b"), PartitionName(far_future_ms));
  EXPECT_EQ(Ingest(store, "car-b", far_future_ms).duplicate_batches, 1u);
  EXPECT_EQ(TileReports(), 3);
}

TEST_F(LedgerPartitionTest, LegacyLedgerRowsStillDeduplicate) {
  {
    pqxx::connection c(ConnectionString());
    pqxx::work txn(c);
    txn.exec(
        "INSERT INTO ingest_ledger_legacy (vehicle_pseudonym, batch_sequence) "
        "VALUES ('car-c', 1)");
    txn.commit();
  }
  IngestStore store(ConnectionString());
  EXPECT_EQ(Ingest(store, "car-c", TodayMs()).duplicate_batches, 1u);
  EXPECT_EQ(TileReports(), 0);
}

TEST_F(LedgerPartitionTest, PruningDropsWholeOldPartitions) {
  IngestStore store(ConnectionString());
  const int64_t old_ms = TodayMs() - 30 * kDayMs + 1000;
  const int64_t older_ms = TodayMs() - 60 * kDayMs;  // no partition: lands in the default one
  const std::string old_partition = PartitionName(old_ms);
  ASSERT_EQ(CreatePartitionsAt(old_ms), 1);
  Ingest(store, "car-old", old_ms);
  Ingest(store, "car-older", older_ms);
  Ingest(store, "car-new", TodayMs() + 1000);
  ASSERT_EQ(PartitionOf("car-old"), old_partition);
  ASSERT_EQ(PartitionOf("car-older"), "ingest_ledger_default");

  RetentionPruner pruner(ConnectionString());
  auto pruned = pruner.Prune({.ledger_hours = 21 * 24});
  ASSERT_TRUE(pruned.ok()) << pruned.status().ToString();
  EXPECT_EQ(pruned->ledger_partitions_dropped, 1);
  EXPECT_EQ(pruned->ledger_rows, 1);  // the default partition's row, deleted row by row
  EXPECT_FALSE(TableExists(old_partition));
  EXPECT_EQ(QueryValue<int64_t>("SELECT count(*) FROM ingest_ledger"), 1);
  EXPECT_EQ(PartitionOf("car-new"), PartitionName(TodayMs()));
  // The partitions a receiver can still send into are kept.
  EXPECT_TRUE(TableExists(PartitionName(TodayMs() - 7 * kDayMs)));
}

TEST_F(LedgerPartitionTest, PruningCreatesPartitionsAhead) {
  const std::string day_after_tomorrow = PartitionName(TodayMs() + 2 * kDayMs);
  {
    pqxx::connection c(ConnectionString());
    pqxx::work txn(c);
    txn.exec("DROP TABLE " + day_after_tomorrow);
    txn.commit();
  }
  RetentionPruner pruner(ConnectionString());
  auto pruned = pruner.Prune({.ledger_hours = 0});
  ASSERT_TRUE(pruned.ok()) << pruned.status().ToString();
  EXPECT_EQ(pruned->ledger_partitions_created, 1);
  EXPECT_TRUE(TableExists(day_after_tomorrow));
  EXPECT_EQ(pruner.Prune({.ledger_hours = 0})->ledger_partitions_created, 0);
}

}  // namespace
}  // namespace roadsense::db
