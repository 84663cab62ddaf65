// roadsense-bench-tile-upsert: PostgreSQL's CPU per tile_stats row of the worker's tile upsert
// (TileStatsWriter::Upsert, sketch write-back included), on a fixed workload: --commits
// transactions of the same --rows tiles (every tile with speeds, a histogram, wiper counts and
// vehicles; the first commit inserts, the rest update — the drain's steady state). Reads the
// backend's utime + stime from /proc (server on this machine), so the figure is CPU, not wall
// time, and stays comparable on a loaded machine. Prints µs of backend and client CPU per row.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <pqxx/connection>
#include <pqxx/transaction>
#include <string>

#include "bench/process_cpu.h"
#include "core/flag_set.h"
#include "db/ingest_store.h"
#include "db/tile_stats_writer.h"

namespace rs = roadsense;

namespace {

// CPU seconds of `pid` so far; a process we cannot read is a failed measurement.
double CpuSeconds(int pid) {
  const auto seconds = roadsense::bench::ProcessCpuSeconds(pid);
  if (!seconds) throw std::runtime_error("cannot read /proc/" + std::to_string(pid) + "/stat");
  return *seconds;
}

rs::db::TileStatsMap Tiles(int rows, int commit) {
  rs::db::TileStatsMap tiles;
  const int64_t bucket_ms = 1'700'000'100'000;
  for (int i = 0; i < rows; ++i) {
    rs::db::TileStats s;
    for (int r = 0; r < 20; ++r) {
      s.AddObservation(bucket_ms + r);
      s.AddSpeed((i * 37 + r * 101) % 6000);
      ++s.probe_reports;
      ++s.reports;
      s.vehicles.Add(static_cast<uint64_t>(commit * 1'000'003 + i * 7919 + r) * 0x9e3779b97f4a7c15);
    }
    s.wiper_reports = {i % 3, 1, 0, commit % 2};
    tiles[{{16, 34000 + i / 30, 22000 + i % 30}, bucket_ms}] = s;
  }
  return tiles;
}

int Main(int argc, char** argv) {
  std::string db;
  int rows = 500, commits = 200;
  rs::FlagSet flags("roadsense-bench-tile-upsert",
                    "PostgreSQL backend CPU per row of the worker's tile_stats upsert.");
  flags.AddString("db", &db, "libpq connection string (required); the schema is migrated");
  flags.AddInt("rows", &rows, "tiles per commit");
  flags.AddInt("commits", &commits, "transactions timed (after one untimed insert)");
  flags.ParseOrExit(argc, argv);
  if (db.empty() || rows <= 0 || commits <= 0) {
    std::fprintf(stderr, "roadsense-bench-tile-upsert: --db, --rows > 0, --commits > 0\n");
    return 2;
  }
  rs::db::IngestStore store(db);
  if (auto applied = store.Migrate(); !applied.ok()) {
    std::fprintf(stderr, "migrate: %s\n", applied.status().ToString().c_str());
    return 1;
  }
  pqxx::connection connection(db);
  rs::db::TileStatsWriter::Prepare(connection);
  const int backend = connection.backendpid();
  std::vector<rs::db::TileStatsMap> work;
  for (int c = 0; c <= commits; ++c) work.push_back(Tiles(rows, c));
  auto run = [&](const rs::db::TileStatsMap& tiles) {
    pqxx::work txn(connection);
    rs::db::TileStatsWriter::Upsert(txn, tiles);
    txn.commit();
  };
  run(work[0]);  // inserts the rows; the timed commits update them
  const double server0 = CpuSeconds(backend), client0 = CpuSeconds(getpid());
  const auto start = std::chrono::steady_clock::now();
  for (int c = 1; c <= commits; ++c) run(work[static_cast<size_t>(c)]);
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double server = CpuSeconds(backend) - server0, client = CpuSeconds(getpid()) - client0;
  const double n = static_cast<double>(rows) * commits;
  std::printf(
      "%d commits x %d rows: backend CPU %.2f s (%.2f us/row), client CPU %.2f s "
      "(%.2f us/row), wall %.2f s\n",
      commits, rows, server, server * 1e6 / n, client, client * 1e6 / n, wall);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return Main(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "roadsense-bench-tile-upsert: %s\n", e.what());
    return 1;
  }
}
