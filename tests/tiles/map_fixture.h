// MapFixture: a DatabaseTest with the migrations applied and helpers that write map data through
// the worker's own IngestStore (so NOTIFY tiles_changed fires as in production). Shared by the
// SQL and server tests of tests/tiles.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "db/hyper_log_log.h"
#include "db/ingest_store.h"
#include "db/map_delta.h"
#include "tests/db/database_test.h"

namespace roadsense::tiles {

// Zoom-16 tiles in Munich used by the tests; A, A2 and B2 share a zoom-14 cell.
inline constexpr int kAx = 34874, kAy = 22742;  // 11.5686..11.5741 E, 48.1404..48.1441 N
inline constexpr int kA2x = 34875, kA2y = 22742;
inline constexpr int kB2x = 34874, kB2y = 22743;

class MapFixture : public roadsense::testing::DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    store_ = std::make_unique<db::IngestStore>(ConnectionString());
    Result<int> applied = store_->Migrate();
    ASSERT_TRUE(applied.ok()) << applied.status().ToString();
    now_ms_ = QueryValue<int64_t>("SELECT (extract(epoch FROM now()) * 1000)::bigint");
  }

  static uint64_t Car(int i) { return db::HyperLogLog::Hash64("car-" + std::to_string(i)); }

  // `count` vehicles (first..first+count-1) each report once in zoom-16 tile x/y a few seconds
  // ago at `speed_cms`, with wipers on and 12.5 °C.
  void AddTraffic(int x, int y, int first, int count, int32_t speed_cms = 1000) {
    db::MapDelta delta;
    const int64_t t = now_ms_ - 10'000;
    db::TileStats& s = delta.tiles[{{16, x, y}, t / 300'000 * 300'000}];
    for (int i = first; i < first + count; ++i) {
      s.AddObservation(t);
      s.AddSpeed(speed_cms);
      ++s.probe_reports;
      ++s.weather_reports;
      ++s.wiper_reports[2];
      s.AddTemperature(125);
      s.speed_hist[db::TileStats::SpeedBin(speed_cms)]++;
      s.vehicles.Add(Car(i));
    }
    Ingest(delta);
  }

  // `count` vehicles report hazard `type` in zoom-18 tile x/y.
  void AddHazard(int x18, int y18, int first, int count, int type = 2) {
    db::MapDelta delta;
    db::HazardCluster& c = delta.hazards[{{18, x18, y18}, type}];
    for (int i = first; i < first + count; ++i) c.Add(Car(i), now_ms_ - 5'000, false, 600, 80);
    Ingest(delta);
  }

  void AddSpeedLimit(int x, int y, int kmh, int sector, int first, int count) {
    db::MapDelta delta;
    db::SpeedLimitVotes& v = delta.speed_limits[{{16, x, y}, sector, kmh}];
    for (int i = first; i < first + count; ++i) v.Add(Car(i), now_ms_ - 5'000);
    Ingest(delta);
  }

  void Ingest(const db::MapDelta& delta) {
    db::LedgerEntry entry;
    entry.key = {"fixture", ++sequence_};
    entry.batch_time_ms = now_ms_;
    entry.message_id = "msg";
    Result<db::IngestOutcome> outcome =
        store_->Ingest({entry}, [&](const std::vector<bool>&) { return delta; });
    ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  }

  // The read-only role's connection string (scripts/pg-cluster creates roadsense_tiles).
  static std::string ReaderConnectionString() {
    std::string c = ConnectionString();
    const std::string user = "user=roadsense";
    return c.replace(c.find(user), user.size(), "user=roadsense_tiles");
  }

  std::unique_ptr<db::IngestStore> store_;
  int64_t now_ms_ = 0;
  int64_t sequence_ = 0;
};

}  // namespace roadsense::tiles
