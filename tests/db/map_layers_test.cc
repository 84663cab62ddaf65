// Integration tests of the map layers (migration 0004) against a real PostgreSQL: HyperLogLog
// in SQL, exactly-once for every layer, concurrency, k-anonymity, hazards, speed limits,
// NOTIFY and retention. One cluster per test binary.
#include <gtest/gtest.h>

#include <future>
#include <pqxx/connection>
#include <pqxx/notification>
#include <pqxx/transaction>
#include <set>
#include <string>
#include <vector>

#include "db/hyper_log_log.h"
#include "db/ingest_store.h"
#include "db/pg_array.h"
#include "db/retention_pruner.h"
#include "db/tile_change_notifier.h"
#include "geo/tile_key.h"
#include "tests/db/database_test.h"

namespace roadsense::db {
namespace {

using roadsense::testing::DatabaseTest;

constexpr int64_t kBucket = 1'700'000'100'000;

uint64_t Car(int i) { return HyperLogLog::Hash64("car-" + std::to_string(i)); }

HyperLogLog Sketch(int first, int count) {
  HyperLogLog h;
  for (int i = first; i < first + count; ++i) h.Add(Car(i));
  return h;
}

// One report per vehicle in [first, first + count) at `speed_cms`.
TileStats Traffic(int first, int count, int32_t speed_cms = 1000, int64_t t_ms = kBucket) {
  TileStats s;
  for (int i = first; i < first + count; ++i) {
    s.AddObservation(t_ms);
    s.AddSpeed(speed_cms);
    ++s.probe_reports;
    s.vehicles.Add(Car(i));
  }
  return s;
}

TileBucketKey Key(int x, int y, int64_t bucket_ms = kBucket) { return {{16, x, y}, bucket_ms}; }
HazardKey Hazard(int x, int y, int type = 2) { return {{kHazardZoom, x, y}, type}; }
SpeedLimitKey Limit(int x, int y, int kmh, int sector = 0) { return {{16, x, y}, sector, kmh}; }

HazardCluster Reports(int first, int count, int64_t t_ms, int64_t ttl_s = 600,
                      bool cancellation = false) {
  HazardCluster c;
  for (int i = first; i < first + count; ++i) c.Add(Car(i), t_ms, cancellation, ttl_s, 80);
  return c;
}

SpeedLimitVotes Votes(int first, int count, int64_t t_ms = kBucket) {
  SpeedLimitVotes v;
  for (int i = first; i < first + count; ++i) v.Add(Car(i), t_ms);
  return v;
}

class MapLayersTest : public DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    IngestStore store(ConnectionString());
    Result<int> applied = store.Migrate();
    ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  }

  static LedgerEntry Entry(const std::string& pseudonym, int64_t sequence) {
    return {{pseudonym, sequence}, kBucket, "msg"};  // every copy: the same batch_time
  }

  static IngestOutcome Ingest(IngestStore& store, const LedgerEntry& entry, const MapDelta& delta) {
    Result<IngestOutcome> outcome =
        store.Ingest({entry}, [&](const std::vector<bool>&) { return delta; });
    EXPECT_TRUE(outcome.ok()) << outcome.status().ToString();
    return outcome.ok() ? *outcome : IngestOutcome{};
  }

  static int64_t Now() {
    return QueryValue<int64_t>("SELECT (extract(epoch FROM now()) * 1000)::bigint");
  }

  static std::string Hex(const std::string& bytes) {
    return "decode('" + PgHexBytes(bytes) + "', 'hex')";
  }
};

TEST_F(MapLayersTest, MapRowsHaveRoomOnTheirPageForTheNextCommitsVersion) {
  // Rows as the writers insert them: pages filled up to the table's fillfactor.
  IngestStore store(ConnectionString());
  MapDelta delta;
  for (int i = 0; i < 400; ++i) {
    delta.tiles[Key(i, 7)] = Traffic(i, 3);
    delta.speed_limits[Limit(i, 7, 50)] = Votes(i, 3);
    delta.hazards[Hazard(i, 7)] = Reports(i, 3, kBucket);
  }
  Ingest(store, Entry("car-1", 1), delta);
  // The next commit's update of every row stays on its page (HOT: no new index entries) — at the
  // default fillfactor of 100 only the last page has room, and hardly any update is HOT.
  pqxx::connection c(ConnectionString());
  pqxx::work txn(c);
  txn.exec("UPDATE tile_stats SET reports = reports + 1");
  txn.exec("UPDATE speed_limit_votes SET votes = votes + 1");
  txn.exec("UPDATE hazard_clusters SET reports = reports + 1");
  for (const char* table : {"tile_stats", "speed_limit_votes", "hazard_clusters"}) {
    const pqxx::row r = txn.exec1(
        std::string(
            "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_xact_user_tables WHERE relname = ") +
        txn.quote(table));
    EXPECT_EQ(r[0].as<int64_t>(), 400) << table;
    EXPECT_GE(r[1].as<int64_t>(), 390) << table << ": updates that left their page";
  }
}

TEST_F(MapLayersTest, SqlCardinalityMatchesTheCppEstimate) {
  for (int n : {1, 7, 300, 5000}) {
    const HyperLogLog h = Sketch(0, n);
    EXPECT_EQ(QueryValue<int64_t>("SELECT hll_cardinality(" + Hex(h.SerializeSparse()) + ")"),
              h.Estimate())
        << "n = " << n;
    EXPECT_EQ(QueryValue<int64_t>("SELECT hll_cardinality(" + Hex(h.SerializeDense()) + ")"),
              h.Estimate())
        << "n = " << n;
  }
}

TEST_F(MapLayersTest, SqlUnionIsTheDenseSketchOfTheUnion) {
  const HyperLogLog a = Sketch(0, 400);
  const HyperLogLog b = Sketch(300, 400);
  HyperLogLog both = a;
  both.Merge(b);
  // Byte-equal to C++'s dense form: registers, zero count and register sum all agree.
  EXPECT_EQ(QueryValue<std::string>("SELECT encode(hll_union(" + Hex(a.SerializeSparse()) + ", " +
                                    Hex(b.SerializeSparse()) + "), 'hex')"),
            PgHexBytes(both.SerializeDense()));
  EXPECT_EQ(QueryValue<std::string>("SELECT encode(hll_union(" + Hex(a.SerializeDense()) + ", " +
                                    Hex(b.SerializeDense()) + "), 'hex')"),
            PgHexBytes(both.SerializeDense()));
  EXPECT_EQ(QueryValue<int64_t>("SELECT hll_cardinality(hll_union(NULL, NULL))"), 0);
}

TEST_F(MapLayersTest, DistinctVehiclesMergeAcrossBatches) {
  IngestStore store(ConnectionString());
  Ingest(store, Entry("p", 1), {.tiles = {{Key(1, 1), Traffic(0, 6)}}});
  Ingest(store, Entry("p", 2), {.tiles = {{Key(1, 1), Traffic(3, 6)}}});  // 3 repeat
  Ingest(store, Entry("p", 3), {.tiles = {{Key(1, 1), Traffic(100, 2)}}});
  EXPECT_EQ(QueryValue<int64_t>("SELECT distinct_vehicles FROM map_tiles"), 11);
  EXPECT_EQ(QueryValue<int64_t>("SELECT reports FROM map_tiles"), 14);
  EXPECT_EQ(QueryValue<int>("SELECT max_batch_vehicles FROM tile_stats"), 6);
}

TEST_F(MapLayersTest, SketchWriteBackReachesEveryChangedRowOfACommit) {
  // The write-back sends the changed sketches end to end in one parameter; rows whose sketch did
  // not change are left out, so the rows after them must still get their own sketch.
  IngestStore store(ConnectionString());
  Ingest(store, Entry("p", 1),
         {.tiles = {{Key(1, 1), Traffic(0, 3)},
                    {Key(2, 2), Traffic(10, 3)},
                    {Key(3, 3), Traffic(20, 3)},
                    {Key(4, 4), Traffic(30, 3)}}});
  Ingest(store, Entry("p", 2),
         {.tiles = {{Key(1, 1), Traffic(100, 4)},
                    {Key(2, 2), Traffic(10, 3)},  // 2: repeats
                    {Key(3, 3), Traffic(200, 5)},
                    {Key(4, 4), Traffic(300, 6)}}});
  EXPECT_EQ(QueryValue<std::string>("SELECT string_agg(hll_cardinality(vehicles_hll)::text, ',' "
                                    "ORDER BY x) FROM tile_stats"),
            "7,3,8,9");
  for (const auto& [x, sketch] :
       {std::pair{1, Sketch(0, 3)}, {2, Sketch(10, 3)}, {3, Sketch(20, 3)}, {4, Sketch(30, 3)}}) {
    HyperLogLog expected = sketch;
    expected.Merge(x == 1   ? Sketch(100, 4)
                   : x == 3 ? Sketch(200, 5)
                   : x == 4 ? Sketch(300, 6)
                            : HyperLogLog());
    EXPECT_EQ(QueryValue<std::string>("SELECT encode(vehicles_hll, 'hex') FROM tile_stats "
                                      "WHERE x = " +
                                      std::to_string(x)),
              PgHexBytes(x == 2 ? expected.SerializeSparse() : expected.SerializeDense()))
        << "tile x=" << x;
  }
}

TEST_F(MapLayersTest, RedeliveryDoesNotDoubleCountAnyLayer) {
  IngestStore store(ConnectionString());
  TileStats tile = Traffic(0, 5, 1389);
  tile.weather_reports = 1;
  tile.wiper_reports[3] = 1;
  tile.AddTemperature(-15);
  const MapDelta delta{.tiles = {{Key(2, 2), tile}},
                       .hazards = {{Hazard(8, 8), Reports(0, 5, kBucket)}},
                       .speed_limits = {{Limit(2, 2, 50), Votes(0, 5)}}};
  const IngestOutcome first = Ingest(store, Entry("q", 1), delta);
  const std::string snapshot =
      "SELECT (SELECT row(reports, speed_n, vehicles_hll, max_batch_vehicles, speed_hist,"
      "  wiper_reports, temp_n, temp_sum_dc)::text FROM tile_stats) ||"
      " (SELECT row(reports, vehicles_hll, confidence_sum, expires_at)::text FROM hazard_clusters)"
      " || (SELECT row(votes, vehicles_hll)::text FROM speed_limit_votes)";
  const std::string before = QueryValue<std::string>(snapshot);
  const IngestOutcome second = Ingest(store, Entry("q", 1), delta);
  EXPECT_EQ(first.hazards_upserted, 1u);
  EXPECT_EQ(first.speed_limits_upserted, 1u);
  EXPECT_EQ(second.duplicate_batches, 1u);
  EXPECT_EQ(second.tiles_upserted + second.hazards_upserted + second.speed_limits_upserted, 0u);
  EXPECT_EQ(QueryValue<std::string>(snapshot), before);
  EXPECT_EQ(QueryValue<int64_t>("SELECT sum(c) FROM tile_stats, unnest(speed_hist) c"), 5);
}

TEST_F(MapLayersTest, ConcurrentWorkersOnOverlappingTilesLoseNothing) {
  // 4 writers × 5 batches; every batch touches the same tiles, hazard and sign rows, each batch
  // with its own vehicle. Key-ordered upserts: no deadlock, no lost update.
  constexpr int kWriters = 4;
  constexpr int kBatches = 5;
  auto run = [&](int writer) {
    IngestStore store(ConnectionString());
    for (int b = 0; b < kBatches; ++b) {
      const int car = writer * kBatches + b;
      MapDelta delta{.tiles = {{Key(3, 3), Traffic(car, 1)},
                               {Key(3, 4), Traffic(car, 1)},
                               {Key(4, 3), Traffic(car, 1)}},
                     .hazards = {{Hazard(9, 9), Reports(car, 1, kBucket)}},
                     .speed_limits = {{Limit(3, 3, 80), Votes(car, 1)}}};
      auto outcome = store.Ingest({Entry("w" + std::to_string(car), 1)},
                                  [&](const std::vector<bool>&) { return delta; });
      if (!outcome.ok()) return false;
    }
    return true;
  };
  std::vector<std::future<bool>> writers;
  for (int w = 0; w < kWriters; ++w) writers.push_back(std::async(std::launch::async, run, w));
  for (auto& w : writers) EXPECT_TRUE(w.get());
  EXPECT_EQ(QueryValue<int64_t>("SELECT min(reports) FROM tile_stats"), kWriters * kBatches);
  EXPECT_EQ(QueryValue<int64_t>("SELECT min(hll_cardinality(vehicles_hll)) FROM tile_stats"),
            kWriters * kBatches);
  EXPECT_EQ(QueryValue<int64_t>("SELECT hll_cardinality(vehicles_hll) FROM hazard_clusters"),
            kWriters * kBatches);
  EXPECT_EQ(QueryValue<int64_t>("SELECT votes FROM speed_limit_votes"), kWriters * kBatches);
}

TEST_F(MapLayersTest, KAnonymityHidesTilesWithFewerThanKVehicles) {
  IngestStore store(ConnectionString());
  const int64_t now = Now();
  const int64_t bucket = geo::BucketStartMs(now, 300);
  Ingest(store, Entry("k", 1),
         {.tiles = {{Key(5, 5, bucket), Traffic(0, 4, 1000, now)},
                    {Key(6, 6, bucket), Traffic(0, 5, 1000, now)}}});
  EXPECT_EQ(QueryValue<std::string>("SELECT string_agg(x::text, ',') FROM map_tiles"), "6");
  EXPECT_EQ(QueryValue<std::string>("SELECT string_agg(x::text, ',') FROM busiest_tiles"), "6");
  {
    pqxx::connection c(ConnectionString());
    pqxx::work txn(c);
    txn.exec("UPDATE map_settings SET k_anonymity = 3");
    txn.commit();
  }
  EXPECT_EQ(QueryValue<int64_t>("SELECT count(*) FROM map_tiles"), 2);
}

TEST_F(MapLayersTest, PercentilesComeFromTheSpeedHistogram) {
  IngestStore store(ConnectionString());
  TileStats s = Traffic(0, 5, 1389);  // 50.0 km/h, bin [50, 55)
  s.Merge(Traffic(10, 5, 2778));      // 100.0 km/h, bin [100, 105)
  Ingest(store, Entry("h", 1), {.tiles = {{Key(7, 7), s}}});
  EXPECT_EQ(QueryValue<double>("SELECT p50_speed_kmh FROM map_tiles"), 55.0);
  EXPECT_EQ(QueryValue<double>("SELECT p85_speed_kmh FROM map_tiles"), 103.5);
}

TEST_F(MapLayersTest, WeatherIsSummarisedPerTile) {
  IngestStore store(ConnectionString());
  TileStats a = Traffic(0, 5);
  a.weather_reports = 2;
  a.wiper_reports = {0, 1, 0, 1};
  a.fog_rear_reports = 1;
  a.AddTemperature(-20);
  TileStats b = Traffic(0, 1);
  b.weather_reports = 1;
  b.wiper_reports = {1, 0, 0, 0};
  b.AddTemperature(40);
  Ingest(store, Entry("w", 1), {.tiles = {{Key(7, 8), a}}});
  Ingest(store, Entry("w", 2), {.tiles = {{Key(7, 8), b}}});
  pqxx::connection c(ConnectionString());
  pqxx::work txn(c);
  auto row = txn.exec1(
      "SELECT wipers_off, wipers_interval, wipers_high, fog_rear_reports, mean_temp_c, min_temp_c,"
      " max_temp_c FROM map_tiles");
  EXPECT_EQ(row[0].as<int>(), 1);
  EXPECT_EQ(row[1].as<int>(), 1);
  EXPECT_EQ(row[2].as<int>(), 1);
  EXPECT_EQ(row[3].as<int64_t>(), 1);
  EXPECT_DOUBLE_EQ(row[4].as<double>(), 1.0);
  EXPECT_DOUBLE_EQ(row[5].as<double>(), -2.0);
  EXPECT_DOUBLE_EQ(row[6].as<double>(), 4.0);
}

// The upsert sends histograms and wiper counts of all rows end to end in one array each, every row
// pointing at its slice: each row must get its own values, and a row without any keeps NULL.
TEST_F(MapLayersTest, EachRowOfOneCommitGetsItsOwnHistogramAndWeather) {
  IngestStore store(ConnectionString());
  TileStats fast = Traffic(0, 2, 5556);  // 200.0 km/h: the last bin
  fast.wiper_reports = {0, 0, 3, 0};
  fast.AddTemperature(-123);
  TileStats bare;  // no speeds, no weather: histogram and wipers stay NULL
  bare.reports = 1;
  bare.AddObservation(kBucket);
  TileStats slow = Traffic(2, 1, 100);  // 3.6 km/h: the first bin
  slow.speed_sumsq = 0.1;               // not exactly representable: must round-trip
  slow.wiper_reports = {1, 0, 0, 2};
  Ingest(store, Entry("rows", 1),
         {.tiles = {{Key(1, 1), fast}, {Key(1, 2), bare}, {Key(1, 3), slow}}});
  EXPECT_EQ(QueryValue<std::string>(
                "SELECT string_agg(concat_ws('|', y, speed_hist[1], speed_hist[40],"
                " (SELECT sum(c) FROM unnest(speed_hist) c), array_length(speed_hist, 1),"
                " wiper_reports::text, speed_hist IS NULL, wiper_reports IS NULL, temp_min_dc,"
                " speed_min_cms IS NULL, speed_sumsq = 0.1, max_batch_vehicles,"
                " vehicles_hll IS NULL), ';' ORDER BY y) FROM tile_stats"),
            "1|0|2|2|40|{0,0,3,0}|f|f|-123|f|f|2|f;"
            "2|t|t|t|f|0|t;"  // concat_ws skips NULLs
            "3|1|0|1|40|{1,0,0,2}|f|f|f|t|1|f");
}

TEST_F(MapLayersTest, ActiveHazardsNeedKVehiclesAndHideExpiredAndCancelled) {
  IngestStore store(ConnectionString());
  const int64_t now = Now();
  HazardCluster cancelled = Reports(0, 5, now - 60'000);
  cancelled.Merge(Reports(0, 1, now - 1'000, 600, /*cancellation=*/true));
  Ingest(store, Entry("z", 1),
         {.hazards = {{Hazard(1, 1), Reports(0, 5, now - 60'000)},     // active
                      {Hazard(2, 2), Reports(0, 4, now - 60'000)},     // too few
                      {Hazard(3, 3), Reports(0, 5, now - 7'200'000)},  // expired
                      {Hazard(4, 4), cancelled}}});                    // cancelled
  EXPECT_EQ(QueryValue<std::string>("SELECT string_agg(x::text, ',') FROM active_hazards"), "1");
  EXPECT_EQ(QueryValue<std::string>("SELECT hazard FROM active_hazards"), "fog");
  // 5 vehicles at 80 %: 1 - 0.2^5 ≈ 1, decayed by 1 of 10 minutes: ≈ 0.9.
  EXPECT_NEAR(QueryValue<double>("SELECT confidence FROM active_hazards"), 0.9, 0.01);
  // A newer report re-activates the cancelled cluster.
  Ingest(store, Entry("z", 2), {.hazards = {{Hazard(4, 4), Reports(10, 1, now)}}});
  EXPECT_EQ(QueryValue<int64_t>("SELECT count(*) FROM active_hazards WHERE x = 4"), 1);
}

TEST_F(MapLayersTest, HazardConfidenceGrowsWithVehiclesAndDecaysWithAge) {
  auto confidence = [](int vehicles, int age_s) {
    return QueryValue<double>(
        "SELECT hazard_confidence(" + std::to_string(vehicles) +
        ", 60, timestamptz '2026-01-01 00:00:00+00', timestamptz '2026-01-01 00:10:00+00',"
        " timestamptz '2026-01-01 00:00:00+00' + " +
        std::to_string(age_s) + " * interval '1 s')");
  };
  EXPECT_LT(confidence(1, 0), confidence(3, 0));
  EXPECT_LT(confidence(3, 0), confidence(10, 0));
  EXPECT_DOUBLE_EQ(confidence(1, 0), 0.6);
  EXPECT_GT(confidence(3, 60), confidence(3, 300));
  EXPECT_DOUBLE_EQ(confidence(3, 600), 0.0);
  EXPECT_DOUBLE_EQ(confidence(0, 0), 0.0);
}

TEST_F(MapLayersTest, SpeedLimitsPublishTheMostVotedValue) {
  IngestStore store(ConnectionString());
  Ingest(store, Entry("s", 1),
         {.speed_limits = {{Limit(5, 5, 50), Votes(0, 7)},
                           {Limit(5, 5, 70), Votes(10, 5)},
                           {Limit(5, 5, 30, 4), Votes(20, 4)}}});  // other sector, too few
  pqxx::connection c(ConnectionString());
  pqxx::work txn(c);
  auto rows = txn.exec("SELECT heading_sector, limit_kmh, votes, total_votes FROM speed_limits");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0][0].as<int>(), 0);
  EXPECT_EQ(rows[0][1].as<int>(), 50);
  EXPECT_EQ(rows[0][2].as<int64_t>(), 7);
  EXPECT_EQ(rows[0][3].as<int64_t>(), 12);
}

class PayloadCollector : public pqxx::notification_receiver {
 public:
  explicit PayloadCollector(pqxx::connection_base& c)
      : pqxx::notification_receiver(c, TileChangeNotifier::kChannel) {}
  void operator()(const std::string& payload, int) override { payloads.push_back(payload); }
  std::vector<std::string> payloads;
};

TEST_F(MapLayersTest, CommitNotifiesChangedTilesAndRedeliveryDoesNot) {
  pqxx::connection listener(ConnectionString());
  PayloadCollector collector(listener);
  listener.get_notifs();  // LISTEN is issued
  IngestStore store(ConnectionString());
  const MapDelta delta{.tiles = {{Key(11, 12), Traffic(0, 1)}, {Key(13, 14), Traffic(0, 1)}},
                       .hazards = {{Hazard(44, 48), Reports(0, 1, kBucket)}}};
  Ingest(store, Entry("n", 1), delta);
  Ingest(store, Entry("n", 1), delta);  // duplicate: nothing changes, nothing announced
  for (int i = 0; i < 50 && collector.payloads.size() < 2; ++i)
    listener.await_notification(0, 100000);
  listener.await_notification(0, 200000);  // anything more would arrive by now
  // One line per (layer, zoom, bucket), layers in name order.
  EXPECT_EQ(collector.payloads,
            (std::vector<std::string>{
                "v1 hazards 18 - 44/48",
                "v1 traffic 16 " + std::to_string(kBucket / 1000) + " 11/12 13/14"}));
}

TEST(TileChangeNotifierPayloads, LongChangesSplitBelowTheLimitAndKeepEveryTile) {
  MapDelta delta;
  for (int i = 0; i < 3000; ++i) delta.tiles[Key(30000 + i, 20000 + i)] = Traffic(0, 1);
  const std::vector<std::string> payloads = TileChangeNotifier::Payloads(delta);
  EXPECT_GT(payloads.size(), 1u);
  std::set<std::string> tiles;
  for (const std::string& p : payloads) {
    EXPECT_LE(p.size(), TileChangeNotifier::kMaxPayloadBytes);
    EXPECT_EQ(p.rfind("v1 traffic 16 ", 0), 0u);
    size_t pos = p.find(' ', p.find(' ', p.find(' ', p.find(' ') + 1) + 1) + 1);
    while (pos != std::string::npos) {
      const size_t next = p.find(' ', pos + 1);
      tiles.insert(p.substr(pos + 1, next == std::string::npos ? next : next - pos - 1));
      pos = next;
    }
  }
  EXPECT_EQ(tiles.size(), 3000u);
}

TEST_F(MapLayersTest, RetentionPrunesOnlyOldRowsInBatches) {
  {
    pqxx::connection c(ConnectionString());
    pqxx::work txn(c);
    // Rows from before partitioning (migration 0005) age out by processed_at, in batches.
    txn.exec(
        "INSERT INTO ingest_ledger_legacy (vehicle_pseudonym, batch_sequence, processed_at) "
        "SELECT 'old', s, now() - interval '30 days' FROM generate_series(1, 5) s");
    txn.exec(
        "INSERT INTO ingest_ledger_legacy (vehicle_pseudonym, batch_sequence) VALUES ('new', 1)");
    txn.commit();
  }
  IngestStore store(ConnectionString());
  const int64_t now = Now();  // batches filed today: their ledger rows stay
  Ingest(store, {{"m", 1}, now, "msg"}, {.tiles = {{Key(1, 2, kBucket), Traffic(0, 1)}}});  // 2023
  Ingest(store, {{"m", 2}, now, "msg"}, {.tiles = {{Key(1, 2, now), Traffic(0, 1)}}});
  RetentionPruner pruner(ConnectionString());
  auto ledger_only = pruner.Prune({.ledger_hours = 24, .map_hours = 0, .batch_rows = 2});
  ASSERT_TRUE(ledger_only.ok()) << ledger_only.status().ToString();
  EXPECT_EQ(ledger_only->ledger_rows, 5);
  EXPECT_EQ(QueryValue<int64_t>("SELECT count(*) FROM ingest_ledger_legacy"), 1);
  EXPECT_EQ(QueryValue<int64_t>("SELECT count(*) FROM ingest_ledger"), 2);
  EXPECT_EQ(QueryValue<int64_t>("SELECT count(*) FROM tile_stats"), 2);
  auto map = pruner.Prune({.ledger_hours = 24, .map_hours = 24, .batch_rows = 2});
  ASSERT_TRUE(map.ok()) << map.status().ToString();
  EXPECT_EQ(map->map_rows, 1);
  EXPECT_EQ(QueryValue<int64_t>("SELECT count(*) FROM tile_stats"), 1);
}

}  // namespace
}  // namespace roadsense::db
