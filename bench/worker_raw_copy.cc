// roadsense-bench-raw-copy: the naive baseline for the worker benchmark (bench/worker_drain).
// Generates the simulator's reports (the same stream roadsense-sim sends for the same --seed,
// --vehicles, --reports, --reports-per-batch) and times how fast PostgreSQL merely stores them
// as raw rows: one row per report, COPY ... FROM STDIN (libpqxx stream_to) into a fresh logged
// table, one transaction per --rows-per-copy rows. Generation is outside the timed window; the
// window covers the COPY and the commits. Prints reports/s.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <pqxx/connection>
#include <pqxx/nontransaction>
#include <pqxx/stream_to>
#include <pqxx/transaction>
#include <string>
#include <tuple>
#include <vector>

#include "bench/process_cpu.h"
#include "bench/simulated_fleet.h"
#include "core/flag_set.h"
#include "core/logging.h"
#include "simulator/fleet.h"

namespace rs = roadsense;

namespace {

struct RawReport {
  std::string vehicle_pseudonym;
  int64_t batch_sequence;
  int64_t observed_ms;
  int32_t lat_e7, lon_e7;
  int64_t speed_cms, heading_cdeg;
  int32_t kind;  // payload field number (10 probe, 11 hazard, 12 sign, 13 weather)
};

// utime + stime of a local process in seconds, or -1 when unreadable (e.g. the server runs on
// another machine).
double CpuSeconds(int pid) { return roadsense::bench::ProcessCpuSeconds(pid).value_or(-1); }

int Main(int argc, char** argv) {
  std::string db;
  rs::bench::SimulatedFleetFlags fleet_flags;
  int rows_per_copy = 500000;
  std::string log_level = "warn";
  rs::FlagSet flags("roadsense-bench-raw-copy",
                    "Times COPYing the simulator's reports into PostgreSQL as raw rows (the "
                    "baseline of bench/worker_drain).");
  flags.AddString("db", &db, "libpq connection string (required)");
  fleet_flags.AddTo(flags);
  flags.AddInt("rows-per-copy", &rows_per_copy, "rows per COPY transaction");
  flags.AddString("log-level", &log_level, "trace, debug, info, warn or error");
  flags.ParseOrExit(argc, argv);
  rs::InitLogging("roadsense-bench-raw-copy", log_level);
  if (db.empty() || fleet_flags.reports < 1 || rows_per_copy < 1) {
    std::fprintf(stderr, "roadsense-bench-raw-copy: --db required, --reports >= 1 (see --help)\n");
    return 2;
  }

  const rs::simulator::FleetOptions options = fleet_flags.Options();
  rs::simulator::Fleet fleet(options);
  std::vector<RawReport> rows;
  rows.reserve(static_cast<size_t>(fleet_flags.reports));
  while (auto batch = fleet.NextBatch()) {
    for (const auto& r : batch->reports()) {
      rows.push_back({batch->envelope().vehicle_pseudonym(),
                      static_cast<int64_t>(batch->envelope().batch_sequence()),
                      r.observed_time_ms(), r.position().lat_e7(), r.position().lon_e7(),
                      r.position().speed_cms(), r.position().heading_cdeg(),
                      static_cast<int32_t>(r.payload_case())});
    }
  }

  pqxx::connection connection(db);
  {
    pqxx::work txn(connection);
    txn.exec("DROP TABLE IF EXISTS bench_raw_reports");
    txn.exec(
        "CREATE TABLE bench_raw_reports (vehicle_pseudonym text NOT NULL, batch_sequence bigint "
        "NOT NULL, observed_ms bigint NOT NULL, lat_e7 integer NOT NULL, lon_e7 integer NOT "
        "NULL, speed_cms bigint NOT NULL, heading_cdeg bigint NOT NULL, kind smallint NOT NULL)");
    txn.commit();
  }
  const std::vector<std::string> columns = {
      "vehicle_pseudonym", "batch_sequence", "observed_ms", "lat_e7", "lon_e7",
      "speed_cms",         "heading_cdeg",   "kind"};
  const int backend =
      pqxx::nontransaction(connection).exec1("SELECT pg_backend_pid()")[0].as<int>();
  const double backend_cpu0 = CpuSeconds(backend);
  const auto start = std::chrono::steady_clock::now();
  for (size_t begin = 0; begin < rows.size(); begin += static_cast<size_t>(rows_per_copy)) {
    const size_t end = std::min(rows.size(), begin + static_cast<size_t>(rows_per_copy));
    pqxx::work txn(connection);
    pqxx::stream_to copy(txn, "bench_raw_reports", columns);
    for (size_t i = begin; i < end; ++i) {
      const RawReport& r = rows[i];
      copy << std::make_tuple(r.vehicle_pseudonym, r.batch_sequence, r.observed_ms, r.lat_e7,
                              r.lon_e7, r.speed_cms, r.heading_cdeg, r.kind);
    }
    copy.complete();
    txn.commit();
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double backend_cpu = CpuSeconds(backend) - backend_cpu0;
  std::printf("raw COPY: %zu reports in %.3f s = %.0f reports/s; PostgreSQL backend CPU %.2f s\n",
              rows.size(), seconds, static_cast<double>(rows.size()) / seconds, backend_cpu);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return Main(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "roadsense-bench-raw-copy: %s\n", e.what());
    return 1;
  }
}
