// MapVerifier against a real PostgreSQL, and roadsense-sim --verify end to end with a fake
// receiver that writes tile_stats itself (standing in for receiver + queue + worker).
#include "simulator/map_verifier.h"

#include <gtest/gtest.h>

#include <mutex>
#include <pqxx/pqxx>

#include "db/migration_runner.h"
#include "simulator/ground_truth.h"
#include "tests/simulator/fake_receiver.h"
#include "tests/support/child_process.h"
#include "tests/support/test_postgres.h"

namespace roadsense::simulator {
namespace {

using namespace std::chrono_literals;

// The table contract the worker's migrations create.
constexpr const char* kCreateTileStats = R"(
CREATE TABLE tile_stats (
  z smallint, x int, y int, bucket_start timestamptz,
  reports bigint, probe_reports bigint, hazard_reports bigint, sign_reports bigint,
  weather_reports bigint, speed_n bigint, speed_sum_cms bigint, speed_sumsq double precision,
  speed_min_cms int, speed_max_cms int, first_observed timestamptz, last_observed timestamptz,
  updated_at timestamptz, PRIMARY KEY (z, x, y, bucket_start)))";

constexpr const char* kUpsert = R"(
INSERT INTO tile_stats (z, x, y, bucket_start, reports, probe_reports, hazard_reports,
                        sign_reports, weather_reports, speed_n, speed_sum_cms)
VALUES ($1, $2, $3, to_timestamp($4::bigint / 1000.0), $5, $6, $7, $8, $9, $10, $11)
ON CONFLICT (z, x, y, bucket_start) DO UPDATE SET
  reports = tile_stats.reports + excluded.reports,
  probe_reports = tile_stats.probe_reports + excluded.probe_reports,
  hazard_reports = tile_stats.hazard_reports + excluded.hazard_reports,
  sign_reports = tile_stats.sign_reports + excluded.sign_reports,
  weather_reports = tile_stats.weather_reports + excluded.weather_reports,
  speed_n = tile_stats.speed_n + excluded.speed_n,
  speed_sum_cms = tile_stats.speed_sum_cms + excluded.speed_sum_cms)";

void Upsert(pqxx::connection& conn, const CellMap& cells) {
  pqxx::work tx(conn);
  for (const auto& [k, c] : cells) {
    tx.exec_params(kUpsert, k.tile.z, k.tile.x, k.tile.y, k.bucket_start_ms, c.reports,
                   c.probe_reports, c.hazard_reports, c.sign_reports, c.weather_reports, c.speed_n,
                   c.speed_sum_cms);
  }
  tx.commit();
}

// One cluster for the suite (starting one takes seconds); each test starts without tile_stats.
class MapVerifierTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { pg_ = new testing::TestPostgres(); }
  static void TearDownTestSuite() {
    delete pg_;
    pg_ = nullptr;
  }
  void SetUp() override { Exec("DROP TABLE IF EXISTS tile_stats"); }
  static void Exec(const std::string& sql) {
    pqxx::connection conn(pg_->ConnectionString());
    pqxx::work tx(conn);
    tx.exec(sql);
    tx.commit();
  }
  static void CreateTable() { Exec(kCreateTileStats); }
  static std::string Db() { return pg_->ConnectionString(); }

  static testing::TestPostgres* pg_;
};
testing::TestPostgres* MapVerifierTest::pg_ = nullptr;

const CellKey kIn{{16, 34850, 22730}, 1'764'000'000'000};

TEST_F(MapVerifierTest, MissingTableReadsAsEmpty) {
  const MapVerifier verifier(Db(), 0, 2'000'000'000'000);
  Result<CellMap> snap = verifier.Snapshot();
  ASSERT_TRUE(snap.ok()) << snap.status().ToString();
  EXPECT_TRUE(snap->empty());
  EXPECT_EQ(*verifier.SumReports(), 0);
}

TEST_F(MapVerifierTest, SnapshotReadsOnlyZoom16RowsInTheBucketRange) {
  CreateTable();
  CellCounts c;
  c.reports = c.probe_reports = c.speed_n = 2;
  c.speed_sum_cms = 2500;
  const CellKey other_zoom{{12, 2178, 1420}, kIn.bucket_start_ms};
  const CellKey too_late{kIn.tile, kIn.bucket_start_ms + 600'000};
  pqxx::connection conn(Db());
  Upsert(conn, {{kIn, c}, {other_zoom, c}, {too_late, c}});

  const MapVerifier verifier(Db(), kIn.bucket_start_ms, kIn.bucket_start_ms + 300'000);
  Result<CellMap> snap = verifier.Snapshot();
  ASSERT_TRUE(snap.ok()) << snap.status().ToString();
  ASSERT_EQ(snap->size(), 1u);
  EXPECT_EQ(snap->at(kIn), c);  // bucket_start came back as the same epoch ms
  EXPECT_EQ(*verifier.SumReports(), 2);
}

TEST(MapVerifierNoDbTest, UnreachableDatabaseIsAnError) {
  const MapVerifier verifier(
      "host=127.0.0.1 port=" + std::to_string(testing::FreePort()) + " connect_timeout=2", 0, 1);
  EXPECT_FALSE(verifier.Snapshot().ok());
}

// The real migrations, in a cluster of their own (the fixture's tile_stats is a bare stand-in).
TEST(MapVerifierViewsTest, ConsumerViewReadsThisRunsRowsFromTheViews) {
  testing::TestPostgres pg;
  const std::string db = pg.ConnectionString();
  pqxx::connection conn(db);
  const Result<int> migrated = db::MigrationRunner().Apply(conn);
  ASSERT_TRUE(migrated.ok()) << migrated.status().ToString();
  {
    pqxx::work tx(conn);
    // Published (6 vehicles >= k = 5), one of an earlier run, one below k.
    tx.exec(R"(
      INSERT INTO hazard_clusters (z, x, y, hazard_type, reports, max_batch_vehicles, first_seen,
                                   last_seen, expires_at) VALUES
        (18, 139496, 90770, 5, 6, 6, now(), now(), now() + interval '1 hour'),
        (18, 139497, 90770, 5, 6, 6, now() - interval '2 hours', now() - interval '2 hours',
         now() + interval '1 hour'),
        (18, 139498, 90770, 5, 4, 4, now(), now(), now() + interval '1 hour');
      INSERT INTO speed_limit_votes (z, x, y, heading_sector, limit_kmh, votes,
                                     max_batch_vehicles, first_seen, last_seen) VALUES
        (16, 34874, 22692, 2, 50, 6, 6, now(), now()),
        (16, 34874, 22692, 2, 30, 2, 2, now(), now());)");
    tx.commit();
  }
  const MapVerifier verifier(db, 0, 1);
  const auto since = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch() - 1h)
                         .count();
  Result<ConsumerView> view = verifier.ReadConsumerView(since);
  ASSERT_TRUE(view.ok()) << view.status().ToString();
  EXPECT_EQ(view->k, 5);
  EXPECT_GT(view->now_ms, since);
  ASSERT_EQ(view->hazards.size(), 1u);
  EXPECT_EQ(view->hazards[0].tile, (geo::TileKey{18, 139496, 90770}));
  EXPECT_EQ(view->hazards[0].hazard_type, 5);
  EXPECT_EQ(view->hazards[0].distinct_vehicles, 6);
  EXPECT_GT(view->hazards[0].first_seen_ms, since);
  EXPECT_GE(view->hazards[0].last_seen_ms, view->hazards[0].first_seen_ms);
  EXPECT_LE(view->hazards[0].last_seen_ms, view->now_ms);
  ASSERT_EQ(view->speed_limits.size(), 1u);
  EXPECT_EQ(view->speed_limits[0].cell, (SpeedLimitCellKey{{16, 34874, 22692}, 2}));
  EXPECT_EQ(view->speed_limits[0].limit_kmh, 50);
}

TEST_F(MapVerifierTest, ConsumerViewWithoutTheViewsIsAnError) {
  EXPECT_FALSE(MapVerifier(Db(), 0, 1).ReadConsumerView(0).ok());
}

// A fake pipeline: every newly accepted batch goes straight into tile_stats, counted
// `copies` times for the first batch (copies = 2 simulates a pipeline that double counts).
struct FakePipeline {
  FakePipeline(const std::string& conn_string, int first_batch_copies)
      : conn(conn_string), copies(first_batch_copies) {}
  void Accept(const roadsense::v1::ReportBatch& batch) {
    std::lock_guard lock(mu);
    for (int i = 0; i < (first ? copies : 1); ++i) {
      GroundTruth cells(300);
      cells.Add(batch);
      Upsert(conn, cells.cells());
    }
    first = false;
  }
  std::mutex mu;
  pqxx::connection conn;
  int copies;
  bool first = true;
};

int RunVerifiedSim(const std::string& db, int first_batch_copies, std::string* log) {
  FakePipeline pipeline(db, first_batch_copies);
  FakeReceiver receiver([](const auto&, int seen) { return seen == 0 ? 503 : 202; },
                        [&](const auto& batch) { pipeline.Accept(batch); });
  testing::TempDir dir;
  testing::ChildProcess sim;
  sim.Start({testing::BinaryPath("roadsense-sim"), "--target", receiver.url(), "--vehicles", "20",
             "--reports", "2000", "--reports-per-batch", "25", "--verify", "--db", db,
             "--verify-timeout-s", "20", "--log-level", "warn",
             // The fake pipeline writes tile_stats only: no consumer views to measure.
             "--min-hazard-recall", "0", "--min-hazard-precision", "0",
             "--min-speed-limit-recovery", "0"},
            dir.path() + "/sim.log");
  const int code = sim.Wait(60s);
  *log = sim.ReadLog();
  return code;
}

TEST_F(MapVerifierTest, SimVerifiesAnExactMap) {
  CreateTable();
  std::string log;
  EXPECT_EQ(RunVerifiedSim(Db(), 1, &log), 0) << log;
  EXPECT_NE(log.find("verify: OK"), std::string::npos) << log;
  // A second run on top of the first: only the deltas count.
  EXPECT_EQ(RunVerifiedSim(Db(), 1, &log), 0) << log;
  EXPECT_NE(log.find("verify: OK"), std::string::npos) << log;
}

TEST_F(MapVerifierTest, SimFailsVerificationOfADoubleCountedBatch) {
  CreateTable();
  std::string log;
  EXPECT_EQ(RunVerifiedSim(Db(), 2, &log), 1) << log;
  EXPECT_NE(log.find("verify: FAILED"), std::string::npos) << log;
  EXPECT_NE(log.find("reports expected 2000, observed 2025"), std::string::npos) << log;
}

}  // namespace
}  // namespace roadsense::simulator
