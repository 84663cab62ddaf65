// roadsense-bench-tiles: vector tiles/s and latency of roadsense-tiles, cached and uncached, for
// a zoom-16 and a zoom-10 tile, while the pipeline keeps writing. See bench/README.md.
//
// Starts PostgreSQL, roadsense-queue, a receiver, a worker, the simulator (a closed-loop seed of
// --seed-reports, then an open loop of --write-rate reports/s for the whole measurement) and two
// roadsense-tiles servers on the same database: one with its cache, one with --cache-mb 0. The
// zoom-16 tile is the busiest one, the zoom-10 tile its ancestor (it covers the simulated city).
// Each phase runs --threads clients, one keep-alive connection each, as fast as answers come
// (closed loop), for --seconds; latency is per request.
#include <signal.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <pqxx/pqxx>
#include <string>
#include <thread>
#include <vector>

#include "core/flag_set.h"
#include "core/latency_histogram.h"
#include "core/logging.h"
#include "net/http_client.h"
#include "tests/support/child_process.h"
#include "tests/support/test_postgres.h"

namespace roadsense::bench {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using testing::BinaryPath;
using testing::ChildProcess;
using testing::FreePort;
using testing::WaitForPort;

struct Flags {
  int threads = 8;
  double seconds = 5;
  int64_t seed_reports = 200000;
  int64_t write_rate = 5000;
  int tiles_threads = 2;
  int db_connections = 4;
  std::string log_level = "warn";
};

struct Phase {
  uint64_t ok = 0;
  uint64_t errors = 0;
  double seconds = 0;
  LatencyHistogram latency_us;
};

Phase Load(int port, const std::string& target, int threads, double seconds) {
  std::vector<LatencyHistogram> histograms(threads);
  std::vector<uint64_t> errors(threads, 0);
  std::atomic<bool> stop{false};
  std::vector<std::thread> clients;
  const auto start = Clock::now();
  for (int t = 0; t < threads; ++t) {
    clients.emplace_back([&, t] {
      net::HttpClient client("127.0.0.1", static_cast<uint16_t>(port));
      net::HttpRequest req;
      req.method = "GET";
      req.target = target;
      req.headers = {{"Accept-Encoding", "gzip"}};
      while (!stop.load(std::memory_order_relaxed)) {
        const auto t0 = Clock::now();
        auto res = client.RoundTrip(req, 10s);
        const auto us =
            std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0).count();
        if (res.ok() && res->status == 200) {
          histograms[t].Record(static_cast<uint64_t>(us));
        } else {
          ++errors[t];
        }
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& c : clients) c.join();
  Phase p;
  p.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  for (int t = 0; t < threads; ++t) {
    p.latency_us.Merge(histograms[t]);
    p.errors += errors[t];
  }
  p.ok = p.latency_us.count();
  return p;
}

std::string Metric(int port, const std::string& name) {
  net::HttpClient client("127.0.0.1", static_cast<uint16_t>(port));
  net::HttpRequest req;
  req.method = "GET";
  req.target = "/metrics";
  auto res = client.RoundTrip(req, 5s);
  if (!res.ok()) return "?";
  const size_t at = res->body.find("\n" + name + " ");
  if (at == std::string::npos) return "?";
  const size_t begin = at + name.size() + 2;
  return res->body.substr(begin, res->body.find('\n', begin) - begin);
}

int Run(const Flags& f) {
  testing::TempDir dir;
  testing::TestPostgres pg;
  const int queue_port = FreePort(), receiver_port = FreePort();
  const std::string queue_url =
      "http://127.0.0.1:" + std::to_string(queue_port) + "/000000000000/bench-tiles";
  ChildProcess queue, receiver, worker, seed, writer, cached, uncached;
  queue.Start({BinaryPath("roadsense-queue"), "--listen", "127.0.0.1:" + std::to_string(queue_port),
               "--data-dir", dir.path() + "/queue"},
              dir.path() + "/queue.log");
  receiver.Start({BinaryPath("roadsense-receiver"), "--listen",
                  "127.0.0.1:" + std::to_string(receiver_port), "--queue-url", queue_url},
                 dir.path() + "/receiver.log");
  if (!WaitForPort(queue_port, 10s) || !WaitForPort(receiver_port, 10s)) {
    std::fprintf(stderr, "queue or receiver did not start\n");
    return 1;
  }
  worker.Start({BinaryPath("roadsense-worker"), "--queue-url", queue_url, "--db",
                pg.ConnectionString(), "--wait-seconds", "1"},
               dir.path() + "/worker.log");
  const std::string target = "http://127.0.0.1:" + std::to_string(receiver_port);
  std::printf("seeding %lld reports through the pipeline...\n",
              static_cast<long long>(f.seed_reports));
  std::fflush(stdout);
  seed.Start({BinaryPath("roadsense-sim"), "--target", target, "--reports",
              std::to_string(f.seed_reports), "--verify", "--db", pg.ConnectionString()},
             dir.path() + "/seed.log");
  if (seed.Wait(600s) != 0) {
    std::fprintf(stderr, "seeding failed:\n%s\n", seed.ReadLog().c_str());
    return 1;
  }

  int x16 = 0, y16 = 0;
  {
    pqxx::connection c(pg.ConnectionString());
    pqxx::work txn(c);
    auto row = txn.exec1("SELECT x, y FROM busiest_tiles LIMIT 1");
    x16 = row[0].as<int>();
    y16 = row[1].as<int>();
  }
  std::string reader = pg.ConnectionString();
  reader.replace(reader.find("user=roadsense"), 14, "user=roadsense_tiles");
  const int cached_port = FreePort(), uncached_port = FreePort();
  auto start_tiles = [&](ChildProcess* p, int port, const char* cache_mb, const char* name) {
    p->Start({BinaryPath("roadsense-tiles"), "--listen", "127.0.0.1:" + std::to_string(port),
              "--db", reader, "--cache-mb", cache_mb, "--threads", std::to_string(f.tiles_threads),
              "--db-connections", std::to_string(f.db_connections), "--log-level", f.log_level},
             dir.path() + "/" + name + ".log");
  };
  start_tiles(&cached, cached_port, "64", "tiles-cached");
  start_tiles(&uncached, uncached_port, "0", "tiles-uncached");
  if (!WaitForPort(cached_port, 10s) || !WaitForPort(uncached_port, 10s)) {
    std::fprintf(stderr, "roadsense-tiles did not start\n");
    return 1;
  }
  std::this_thread::sleep_for(1s);  // LISTEN and the first pool connection

  // Writes continue during every phase: the open-loop simulator at --write-rate reports/s.
  const double total_s = 6 * (f.seconds + 1) + 10;
  writer.Start(
      {BinaryPath("roadsense-sim"), "--target", target, "--seed", "2", "--rate",
       std::to_string(f.write_rate), "--duration-s", std::to_string(static_cast<int64_t>(total_s))},
      dir.path() + "/writer.log");
  std::this_thread::sleep_for(2s);

  std::printf("roadsense-tiles, %d client threads, %.0f s per phase, writes at %lld reports/s\n",
              f.threads, f.seconds, static_cast<long long>(f.write_rate));
  std::printf("%-9s %-26s %8s %10s %9s %9s %9s %7s\n", "cache", "tile", "clients", "tiles/s",
              "p50 ms", "p99 ms", "max ms", "errors");
  const struct { int z, x, y; } tiles[] = {{16, x16, y16}, {10, x16 >> 6, y16 >> 6}};
  // Uncached: one client (a tile's own latency) and --threads clients (throughput; requests
  // queue for the --db-connections connections). Cached: --threads clients.
  for (int port : {uncached_port, cached_port}) {
    for (const auto& t : tiles) {
      const std::string path = "/tiles/" + std::to_string(t.z) + "/" + std::to_string(t.x) + "/" +
                               std::to_string(t.y) + ".mvt";
      Load(port, path, f.threads, 1);  // warm-up (connections, plans)
      std::vector<int> clients = {f.threads};
      if (port == uncached_port) clients.insert(clients.begin(), 1);
      for (int n : clients) {
        Phase p = Load(port, path, n, f.seconds);
        std::printf("%-9s %-26s %8d %10.0f %9.2f %9.2f %9.2f %7llu\n",
                    port == cached_port ? "cached" : "uncached", path.c_str(), n, p.ok / p.seconds,
                    p.latency_us.Percentile(50) / 1000.0, p.latency_us.Percentile(99) / 1000.0,
                    p.latency_us.max() / 1000.0, static_cast<unsigned long long>(p.errors));
        std::fflush(stdout);
      }
    }
  }
  std::printf("cached server: %s hits, %s misses, %s invalidations, %s notifications\n",
              Metric(cached_port, "roadsense_tiles_cache_hits_total").c_str(),
              Metric(cached_port, "roadsense_tiles_cache_misses_total").c_str(),
              Metric(cached_port, "roadsense_tiles_cache_invalidations_total").c_str(),
              Metric(cached_port, "roadsense_tiles_notifications_total").c_str());
  writer.Stop(SIGTERM);
  cached.Stop(SIGTERM);
  uncached.Stop(SIGTERM);
  worker.Stop(SIGTERM);
  receiver.Stop(SIGTERM);
  queue.Stop(SIGTERM);
  return 0;
}

}  // namespace
}  // namespace roadsense::bench

int main(int argc, char** argv) {
  roadsense::bench::Flags f;
  roadsense::FlagSet flags("roadsense-bench-tiles",
                           "Cached and uncached vector tiles/s and latency of roadsense-tiles for "
                           "a zoom-16 and a zoom-10 tile while the pipeline writes.");
  flags.AddInt("threads", &f.threads, "client threads (one keep-alive connection each)");
  flags.AddDouble("seconds", &f.seconds, "length of each measured phase");
  flags.AddInt("seed-reports", &f.seed_reports, "reports written before measuring");
  flags.AddInt("write-rate", &f.write_rate, "reports/s the simulator sends while measuring");
  flags.AddInt("tiles-threads", &f.tiles_threads, "roadsense-tiles --threads");
  flags.AddInt("db-connections", &f.db_connections, "roadsense-tiles --db-connections");
  flags.AddString("log-level", &f.log_level, "log level of this program and roadsense-tiles");
  flags.ParseOrExit(argc, argv);
  roadsense::InitLogging("roadsense-bench-tiles", f.log_level);
  return roadsense::bench::Run(f);
}
