// roadsense-bench-peers: the same durable full-cycle workload (send a batch -> receive -> delete
// or ack) against roadsense-queue, Redis Streams, a RabbitMQ quorum queue and a PostgreSQL job
// table, from one load generator with one client interface per system (peer_system.h). The
// servers are started by bench/peers/run; this program only connects to them. Prints per-run
// lines, then one table of medians over the runs with the ratio to roadsense.
// See bench/peers/README.md and docs/performance.md.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench/peers/full_cycle.h"
#include "bench/peers/postgres_job_table_peer.h"
#include "bench/peers/rabbitmq_quorum_peer.h"
#include "bench/peers/redis_streams_peer.h"
#include "bench/peers/sqs_peer.h"
#include "core/flag_set.h"
#include "core/logging.h"

namespace roadsense::bench {
namespace {

struct Flags {
  std::string systems = "roadsense,redis,rabbitmq,postgres";
  std::string concurrency = "8,32,128";
  int runs = 3;
  double seconds = 10;
  double warmup_seconds = 2;
  int payload_bytes = 1024;
  int batch = 10;
  int receive_wait_ms = 1000;
  int prefetch = 0;
  std::string roadsense_endpoint;
  int roadsense_pid = 0;
  std::string redis;
  int redis_pid = 0;
  std::string rabbitmq;
  int rabbitmq_pid = 0;
  std::string postgres;
  int postgres_pid = 0;
  bool count_fsyncs = true;
  std::string note;
  std::string out;
  std::string log_level = "warn";
};

std::vector<std::string> Split(const std::string& text) {
  std::vector<std::string> items;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) {
    if (!item.empty()) items.push_back(item);
  }
  return items;
}

std::vector<int> ParseIntList(const std::string& text) {
  std::vector<int> values;
  for (const std::string& item : Split(text)) {
    int v = 0;
    auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), v);
    if (ec != std::errc() || end != item.data() + item.size() || v <= 0) return {};
    values.push_back(v);
  }
  return values;
}

// "host:port" -> (host, port); port 0 when malformed.
std::pair<std::string, int> HostPort(const std::string& text) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos) return {text, 0};
  return {text.substr(0, colon), std::atoi(text.c_str() + colon + 1)};
}

std::string CommandOutput(const std::string& command) {
  std::string out;
  if (FILE* p = popen(command.c_str(), "r")) {
    char buf[256];
    while (fgets(buf, sizeof buf, p) != nullptr) out += buf;
    pclose(p);
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double Ms(uint64_t us) { return static_cast<double>(us) / 1000.0; }

double Per100k(double cpu_s, uint64_t msgs) {
  return msgs ? cpu_s * 100000.0 / static_cast<double>(msgs) : 0;
}

// Messages per fsync: the kernel-side count when there is one, else the server's own.
std::optional<double> MsgsPerFsync(const CycleResult& r) {
  const auto fsyncs = r.syscall_fsyncs ? r.syscall_fsyncs : r.native_fsyncs;
  if (!fsyncs || *fsyncs == 0) return std::nullopt;
  return static_cast<double>(r.deleted) / static_cast<double>(*fsyncs);
}

void PrintRun(const CycleResult& r) {
  std::printf(
      "run %d  %-9s c=%-4d %8.0f msgs/s  send p50/p99 %6.2f/%7.2f ms  delivery p50/p99 "
      "%7.2f/%8.2f ms",
      r.run, r.system.c_str(), r.concurrency, r.msgs_per_s, Ms(r.send_us.Percentile(50)),
      Ms(r.send_us.Percentile(99)), Ms(r.delivery_us.Percentile(50)),
      Ms(r.delivery_us.Percentile(99)));
  if (r.send_us.count()) {
    std::printf("  %.1f receives/batch",
                static_cast<double>(r.receive_us.count()) / static_cast<double>(r.send_us.count()));
  }
  if (r.syscall_fsyncs) {
    std::printf("  fsyncs %llu", static_cast<unsigned long long>(*r.syscall_fsyncs));
  }
  if (r.native_fsyncs) {
    std::printf(" (own count %llu)", static_cast<unsigned long long>(*r.native_fsyncs));
  }
  if (r.server_cpu_s) std::printf("  server CPU %.2f s", *r.server_cpu_s);
  std::printf("  client CPU %.2f s", r.client_cpu_s);
  if (r.errors) {
    std::printf("  ERRORS %llu: %s", static_cast<unsigned long long>(r.errors),
                r.first_error.c_str());
  }
  std::printf("\n");
  std::fflush(stdout);
}

struct Row {
  double msgs_per_s = 0, send_p50 = 0, send_p99 = 0, delivery_p50 = 0, delivery_p99 = 0;
  std::optional<double> msgs_per_fsync, server_cpu, client_cpu;
  uint64_t errors = 0;
  int runs = 0;
};

Row Summarise(const std::vector<const CycleResult*>& runs) {
  Row row;
  std::vector<double> rate, s50, s99, d50, d99, per_fsync, server, client;
  for (const CycleResult* r : runs) {
    rate.push_back(r->msgs_per_s);
    s50.push_back(Ms(r->send_us.Percentile(50)));
    s99.push_back(Ms(r->send_us.Percentile(99)));
    d50.push_back(Ms(r->delivery_us.Percentile(50)));
    d99.push_back(Ms(r->delivery_us.Percentile(99)));
    if (auto m = MsgsPerFsync(*r)) per_fsync.push_back(*m);
    if (r->server_cpu_s && r->deleted) server.push_back(Per100k(*r->server_cpu_s, r->deleted));
    if (r->deleted) client.push_back(Per100k(r->client_cpu_s, r->deleted));
    row.errors += r->errors;
  }
  row.runs = static_cast<int>(runs.size());
  row.msgs_per_s = Median(rate);
  row.send_p50 = Median(s50);
  row.send_p99 = Median(s99);
  row.delivery_p50 = Median(d50);
  row.delivery_p99 = Median(d99);
  if (!per_fsync.empty()) row.msgs_per_fsync = Median(per_fsync);
  if (!server.empty()) row.server_cpu = Median(server);
  if (!client.empty()) row.client_cpu = Median(client);
  return row;
}

std::string Optional(const std::optional<double>& v, const char* format) {
  if (!v) return "–";
  char buf[32];
  std::snprintf(buf, sizeof buf, format, *v);
  return buf;
}

void PrintTable(const std::vector<CycleResult>& results, const std::vector<std::string>& systems,
                const std::vector<int>& levels) {
  std::printf(
      "\n== medians over runs (latencies in ms; CPU in seconds per 100k messages)\n"
      "| system | clients | full cycle msgs/s | × roadsense | send batch p50 / p99 | "
      "delivery p50 / p99 | msgs per fsync | server CPU | client CPU | errors |\n"
      "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  for (int c : levels) {
    std::map<std::string, Row> rows;
    for (const std::string& system : systems) {
      std::vector<const CycleResult*> runs;
      for (const CycleResult& r : results) {
        if (r.system == system && r.concurrency == c) runs.push_back(&r);
      }
      rows[system] = Summarise(runs);
    }
    const double base = rows.count("roadsense") ? rows["roadsense"].msgs_per_s : 0;
    for (const std::string& system : systems) {
      const Row& row = rows[system];
      std::printf(
          "| %s | %d | %.0f | %s | %.2f / %.2f | %.2f / %.2f | %s | %s | %s | %llu |\n",
          system.c_str(), c, row.msgs_per_s,
          base > 0 ? Optional(row.msgs_per_s / base, "%.2f").c_str() : "–", row.send_p50,
          row.send_p99, row.delivery_p50, row.delivery_p99,
          Optional(row.msgs_per_fsync, "%.1f").c_str(), Optional(row.server_cpu, "%.2f").c_str(),
          Optional(row.client_cpu, "%.2f").c_str(), static_cast<unsigned long long>(row.errors));
    }
  }
  // The target of issue 9: roadsense >= 1.5x the best durable peer.
  std::printf("\n");
  for (int c : levels) {
    double roadsense = 0, best = 0;
    std::string best_name;
    for (const std::string& system : systems) {
      std::vector<const CycleResult*> runs;
      for (const CycleResult& r : results) {
        if (r.system == system && r.concurrency == c) runs.push_back(&r);
      }
      const double rate = Summarise(runs).msgs_per_s;
      if (system == "roadsense") {
        roadsense = rate;
      } else if (rate > best) {
        best = rate;
        best_name = system;
      }
    }
    if (roadsense > 0 && best > 0) {
      std::printf("clients %d: roadsense / best peer (%s) = %.2f\n", c, best_name.c_str(),
                  roadsense / best);
    }
  }
}

std::string HistogramJson(const LatencyHistogram& h) {
  char buf[160];
  std::snprintf(buf, sizeof buf, R"({"p50_ms":%.3f,"p99_ms":%.3f,"max_ms":%.3f,"count":%llu})",
                Ms(h.Percentile(50)), Ms(h.Percentile(99)), Ms(h.max()),
                static_cast<unsigned long long>(h.count()));
  return buf;
}

std::string ResultsJson(const std::vector<CycleResult>& results, const std::string& commit,
                        unsigned cores, const Flags& f) {
  std::ostringstream out;
  out << "{\"commit\":\"" << commit << "\",\"cores\":" << cores
      << ",\"payload_bytes\":" << f.payload_bytes << ",\"batch\":" << f.batch
      << ",\"seconds\":" << f.seconds << ",\"warmup_seconds\":" << f.warmup_seconds
      << ",\"results\":[";
  for (size_t i = 0; i < results.size(); ++i) {
    const CycleResult& r = results[i];
    out << (i ? ",\n" : "\n") << "{\"system\":\"" << r.system
        << "\",\"concurrency\":" << r.concurrency << ",\"run\":" << r.run
        << ",\"seconds\":" << r.seconds << ",\"messages\":" << r.deleted
        << ",\"msgs_per_s\":" << r.msgs_per_s << ",\"errors\":" << r.errors
        << ",\"empty_receives\":" << r.empty_receives
        << ",\"send_batch\":" << HistogramJson(r.send_us)
        << ",\"receive\":" << HistogramJson(r.receive_us)
        << ",\"delete\":" << HistogramJson(r.delete_us)
        << ",\"delivery\":" << HistogramJson(r.delivery_us)
        << ",\"client_cpu_s\":" << r.client_cpu_s;
    if (r.server_cpu_s) out << ",\"server_cpu_s\":" << *r.server_cpu_s;
    if (r.syscall_fsyncs) out << ",\"syscall_fsyncs\":" << *r.syscall_fsyncs;
    if (r.native_fsyncs) out << ",\"native_fsyncs\":" << *r.native_fsyncs;
    out << "}";
  }
  out << "\n]}\n";
  return out.str();
}

int Main(int argc, char** argv) {
  Flags f;
  FlagSet flags("roadsense-bench-peers",
                "The durable full cycle (send a batch -> receive -> delete/ack) against "
                "roadsense-queue, Redis Streams, a RabbitMQ quorum queue and a PostgreSQL job "
                "table from one load generator. bench/peers/run starts the servers and calls "
                "this program.");
  flags.AddString("systems", &f.systems, "comma-separated systems to run, in this order");
  flags.AddString("concurrency", &f.concurrency, "comma-separated client thread counts");
  flags.AddInt("runs", &f.runs, "runs per system and level (the table shows medians)");
  flags.AddDouble("seconds", &f.seconds, "measured seconds per run");
  flags.AddDouble("warmup-seconds", &f.warmup_seconds, "unmeasured seconds before each run");
  flags.AddInt("payload-bytes", &f.payload_bytes, "message body size");
  flags.AddInt("batch", &f.batch, "messages per send batch and most per receive (1..10)");
  flags.AddInt("receive-wait-ms", &f.receive_wait_ms,
               "how long a receive waits for the first message");
  flags.AddInt("prefetch", &f.prefetch, "RabbitMQ consumer prefetch (0: the batch size)");
  flags.AddString("roadsense-endpoint", &f.roadsense_endpoint,
                  "roadsense-queue endpoint, e.g. http://127.0.0.1:9324");
  flags.AddInt("roadsense-pid", &f.roadsense_pid, "pid of roadsense-queue (CPU, fsyncs)");
  flags.AddString("redis", &f.redis, "Redis host:port");
  flags.AddInt("redis-pid", &f.redis_pid, "pid of redis-server");
  flags.AddString("rabbitmq", &f.rabbitmq, "RabbitMQ AMQP host:port (user guest)");
  flags.AddInt("rabbitmq-pid", &f.rabbitmq_pid, "pid at the root of RabbitMQ's process tree");
  flags.AddString("postgres", &f.postgres, "libpq connection string");
  flags.AddInt("postgres-pid", &f.postgres_pid, "pid of the postmaster");
  flags.AddBool("count-fsyncs", &f.count_fsyncs,
                "count the servers' fsync/fdatasync calls with perf stat (needs linux-perf)");
  flags.AddString("note", &f.note, "a line printed in the header (e.g. how processes are pinned)");
  flags.AddString("out", &f.out, "also write every run as JSON to this file");
  flags.AddString("log-level", &f.log_level, "trace, debug, info, warn or error");
  flags.ParseOrExit(argc, argv);
  InitLogging("roadsense-bench-peers", f.log_level);

  const std::vector<int> levels = ParseIntList(f.concurrency);
  const std::vector<std::string> systems = Split(f.systems);
  if (levels.empty() || systems.empty() || f.runs < 1 || f.seconds <= 0 || f.warmup_seconds < 0 ||
      f.payload_bytes < 64 || f.payload_bytes > 262144 || f.batch < 1 || f.batch > 10 ||
      f.receive_wait_ms < 1) {
    std::cerr << "roadsense-bench-peers: bad flags (see --help)\n";
    return 2;
  }
  const int max_level = *std::max_element(levels.begin(), levels.end());

  std::map<std::string, std::pair<std::unique_ptr<PeerSystem>, pid_t>> peers;
  for (const std::string& name : systems) {
    if (name == "roadsense" && !f.roadsense_endpoint.empty()) {
      peers[name] = {std::make_unique<SqsPeer>(f.roadsense_endpoint, max_level + 8),
                     f.roadsense_pid};
    } else if (name == "redis" && HostPort(f.redis).second > 0) {
      auto [host, port] = HostPort(f.redis);
      peers[name] = {std::make_unique<RedisStreamsPeer>(host, port), f.redis_pid};
    } else if (name == "rabbitmq" && HostPort(f.rabbitmq).second > 0) {
      auto [host, port] = HostPort(f.rabbitmq);
      peers[name] = {
          std::make_unique<RabbitMqQuorumPeer>(host, port, f.prefetch > 0 ? f.prefetch : f.batch),
          f.rabbitmq_pid};
    } else if (name == "postgres" && !f.postgres.empty()) {
      peers[name] = {std::make_unique<PostgresJobTablePeer>(f.postgres), f.postgres_pid};
    } else {
      std::cerr << "roadsense-bench-peers: system '" << name
                << "' is unknown or its address flag is missing (see --help)\n";
      return 2;
    }
  }

  const unsigned cores = std::thread::hardware_concurrency();
  std::string commit =
      CommandOutput("git -C '" ROADSENSE_SOURCE_DIR "' rev-parse --short HEAD 2>/dev/null");
  if (commit.empty()) commit = "unknown";
  if (!CommandOutput("git -C '" ROADSENSE_SOURCE_DIR "' status --porcelain 2>/dev/null").empty()) {
    commit += "+uncommitted";
  }
  std::printf(
      "roadsense-bench-peers: %u cores, commit %s; payload %d B, batch %d, concurrency %s, "
      "%d run(s) of %.0f s after %.0f s warm-up, interleaved\n",
      cores, commit.c_str(), f.payload_bytes, f.batch, f.concurrency.c_str(), f.runs, f.seconds,
      f.warmup_seconds);
  if (!f.note.empty()) std::printf("%s\n", f.note.c_str());
  for (const std::string& name : systems) {
    std::printf("  %-9s %s\n", name.c_str(), peers[name].first->durability().c_str());
  }

  CycleOptions options;
  options.batch = f.batch;
  options.payload_bytes = f.payload_bytes;
  options.warmup_seconds = f.warmup_seconds;
  options.seconds = f.seconds;
  options.receive_wait = std::chrono::milliseconds(f.receive_wait_ms);
  options.count_syscalls = f.count_fsyncs;

  // Interleaved: every run visits every level and every system, the system order rotating from
  // run to run, so that a noisy minute on a shared machine hits all systems alike.
  std::vector<CycleResult> results;
  for (int run = 1; run <= f.runs; ++run) {
    for (int c : levels) {
      for (size_t i = 0; i < systems.size(); ++i) {
        const std::string& name = systems[(i + static_cast<size_t>(run - 1)) % systems.size()];
        auto& [peer, pid] = peers[name];
        results.push_back(RunFullCycle(*peer, pid, c, run, options));
        PrintRun(results.back());
      }
    }
  }
  PrintTable(results, systems, levels);
  if (!f.out.empty()) {
    std::ofstream(f.out) << ResultsJson(results, commit, cores, f);
    std::printf("every run written to %s\n", f.out.c_str());
  }
  for (const CycleResult& r : results) {
    if (r.deleted == 0) return 1;  // a system that never completed a cycle is a failed benchmark
  }
  return 0;
}

}  // namespace
}  // namespace roadsense::bench

int main(int argc, char** argv) { return roadsense::bench::Main(argc, argv); }
