// roadsense-bench-overload: roadsense-receiver + roadsense-queue under open-loop load at twice
// their capacity (issue 8, "Overload"). See bench/README.md.
//
// Phases: (1) capacity: a closed loop of --capacity-connections uploads the receiver accepts per
// second (or --rate); (2) overload: open loop at --overload-factor × capacity for --seconds from
// --connections client connections (uploads are due on a fixed schedule; latency counts from the
// due time, so a client that falls behind shows up as latency, not as missing load); (3) cool-down:
// open loop at --cooldown-factor × capacity for --cooldown-seconds. Meanwhile the receiver's
// resident memory (/proc/<pid>/status VmRSS) is sampled every 100 ms.
//
// Checks (exit 1 when one fails): the receiver and queue survive; the receiver's peak RSS stays
// under --max-rss-mib; under overload some uploads are shed, every shed upload is a 429/503 with
// Retry-After, nothing else fails, and accepted uploads have p99 <= --max-p99-ms from their send
// (from their due time it also counts the client's own lag when it shares the CPU; printed); in the
// cool-down after --recovery-seconds at most --max-cooldown-rejected-pct of the answers are
// refusals and the accepted rate reaches --min-cooldown-throughput-pct of the offered one.
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bench/upload_bodies.h"
#include "core/flag_set.h"
#include "core/latency_histogram.h"
#include "core/logging.h"
#include "core/termination_signal.h"
#include "net/http_client.h"
#include "sqs/sqs_client.h"
#include "tests/support/child_process.h"

namespace roadsense::bench {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::duration;
using std::chrono::duration_cast;

struct Flags {
  double rate = 0;  // uploads/s the receiver sustains; 0 = measure
  double seconds = 60;
  double capacity_seconds = 10;
  double cooldown_seconds = 20;
  double overload_factor = 2;
  double cooldown_factor = 0.5;
  int connections = 512;
  int capacity_connections = 256;
  int reports_per_batch = 50;
  int receiver_threads = 0;
  int sender_threads = 4;
  int max_inflight = 256;
  int64_t max_inflight_bytes = 32 << 20;
  double max_rss_mib = 128;
  double max_p99_ms = 1000;
  double recovery_seconds = 2;
  double max_cooldown_rejected_pct = 1;
  double min_cooldown_throughput_pct = 95;
  std::string log_level = "warn";
};

Flags ParseFlags(int argc, char** argv) {
  Flags f;
  FlagSet flags("roadsense-bench-overload",
                "Open-loop load at 2x the measured capacity of roadsense-receiver + "
                "roadsense-queue: memory bound, shedding with Retry-After, latency of accepted "
                "uploads, recovery after the load drops. Exits 1 when a check fails.");
  flags.AddDouble("rate", &f.rate,
                  "capacity in uploads/s to scale the phases from (0: measure it first)");
  flags.AddDouble("seconds", &f.seconds, "length of the overload phase");
  flags.AddDouble("capacity-seconds", &f.capacity_seconds, "length of the capacity measurement");
  flags.AddDouble("cooldown-seconds", &f.cooldown_seconds, "length of the cool-down phase");
  flags.AddDouble("overload-factor", &f.overload_factor, "overload rate / capacity");
  flags.AddDouble("cooldown-factor", &f.cooldown_factor, "cool-down rate / capacity");
  flags.AddInt("connections", &f.connections, "client connections of the open-loop phases");
  flags.AddInt("capacity-connections", &f.capacity_connections,
               "client connections of the closed-loop capacity measurement");
  flags.AddInt("reports-per-batch", &f.reports_per_batch, "reports per upload");
  flags.AddInt("receiver-threads", &f.receiver_threads, "the receiver's --threads");
  flags.AddInt("sender-threads", &f.sender_threads, "the receiver's --sender-threads");
  flags.AddInt("max-inflight", &f.max_inflight, "the receiver's --max-inflight");
  flags.AddInt("max-inflight-bytes", &f.max_inflight_bytes, "the receiver's --max-inflight-bytes");
  flags.AddDouble("max-rss-mib", &f.max_rss_mib, "check: the receiver's peak VmRSS, MiB");
  flags.AddDouble("max-p99-ms", &f.max_p99_ms,
                  "check: p99 latency of accepted uploads under overload, ms, from when the "
                  "upload was sent (the latency from its due time, which adds the client's own "
                  "lag on a shared machine, is printed too)");
  flags.AddDouble("recovery-seconds", &f.recovery_seconds,
                  "the cool-down checks skip this many seconds after the load drops");
  flags.AddDouble("max-cooldown-rejected-pct", &f.max_cooldown_rejected_pct,
                  "check: most answers in the cool-down that are refusals, %");
  flags.AddDouble("min-cooldown-throughput-pct", &f.min_cooldown_throughput_pct,
                  "check: least accepted rate during the cool-down, % of the offered rate");
  flags.AddString("log-level", &f.log_level, "log level of this program and its children");
  flags.ParseOrExit(argc, argv);
  return f;
}

// VmRSS of `pid` in KiB (0 when unreadable).
uint64_t ResidentKib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::strtoull(line.c_str() + 6, nullptr, 10);
  }
  return 0;
}

// Samples the peak VmRSS of two processes every 100 ms while alive.
class RssSampler {
 public:
  RssSampler(pid_t receiver, pid_t queue) {
    thread_ = std::thread([this, receiver, queue] {
      while (!stop_.load()) {
        receiver_kib_ = std::max<uint64_t>(receiver_kib_, ResidentKib(receiver));
        queue_kib_ = std::max<uint64_t>(queue_kib_, ResidentKib(queue));
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    });
  }
  ~RssSampler() { Stop(); }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  uint64_t receiver_kib() const { return receiver_kib_.load(); }
  uint64_t queue_kib() const { return queue_kib_.load(); }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> receiver_kib_{0}, queue_kib_{0};
  std::thread thread_;
};

struct Phase {
  std::string name;
  double offered_per_s = 0;  // 0: closed loop
  double seconds = 0;        // scheduled length
  double elapsed = 0;        // until the last answer (late uploads run past `seconds`)
  uint64_t sent = 0;
  uint64_t accepted = 0;
  uint64_t shed_retry_after = 0;     // 429/503 with Retry-After
  uint64_t shed_no_retry_after = 0;  // 429/503 without it
  uint64_t other_status = 0;         // any other answer
  uint64_t transport_errors = 0;
  uint64_t late_starts = 0;     // sent more than 100 ms after due: every connection was busy
  LatencyHistogram latency_us;  // accepted uploads, from the due time (open) or send (closed)
  LatencyHistogram service_us;  // accepted uploads, from the send
  std::vector<uint64_t> accepted_per_s, refused_per_s;
  uint64_t receiver_rss_kib = 0, queue_rss_kib = 0;
  std::string example_failure;
};

// Open loop (offered_per_s > 0: upload i is due at start + i / offered_per_s, taken by whichever
// of `connections` threads is free) or closed loop (offered_per_s == 0: each thread sends the next
// upload when the last is answered).
Phase RunPhase(std::string name, int port, const std::vector<std::string>& bodies,
               double offered_per_s, double seconds, int connections, pid_t receiver_pid,
               pid_t queue_pid) {
  Phase phase;
  phase.name = std::move(name);
  phase.offered_per_s = offered_per_s;
  phase.seconds = seconds;
  const size_t slots = static_cast<size_t>(std::ceil(seconds)) + 1;
  std::vector<std::atomic<uint64_t>> accepted_per_s(slots), refused_per_s(slots);
  std::atomic<uint64_t> next{0};
  std::mutex mu;
  RssSampler rss(receiver_pid, queue_pid);
  const auto start = Clock::now();
  const auto end = start + duration_cast<Clock::duration>(duration<double>(seconds));
  auto slot_of = [&](Clock::time_point t) {
    return std::min(slots - 1, static_cast<size_t>(duration<double>(t - start).count()));
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < connections; ++t) {
    threads.emplace_back([&] {
      net::HttpClient client("127.0.0.1", static_cast<uint16_t>(port));
      net::HttpRequest request;
      request.method = "POST";
      request.target = "/v1/reports";
      request.headers = {{"Content-Type", "application/x-protobuf"}};
      Phase mine;
      for (;;) {
        const uint64_t i = next.fetch_add(1);
        Clock::time_point due = Clock::now();
        if (offered_per_s > 0) {
          due = start + duration_cast<Clock::duration>(duration<double>(i / offered_per_s));
          if (due >= end) break;
          std::this_thread::sleep_until(due);
        } else if (due >= end) {
          break;
        }
        const auto sent = Clock::now();
        if (sent - due > std::chrono::milliseconds(100)) ++mine.late_starts;
        request.body = bodies[i % bodies.size()];
        auto response = client.RoundTrip(request, std::chrono::seconds(30));
        const auto done = Clock::now();
        ++mine.sent;
        if (response.ok() && response->status / 100 == 2) {
          ++mine.accepted;
          accepted_per_s[slot_of(done)].fetch_add(1, std::memory_order_relaxed);
          mine.latency_us.Record(
              static_cast<uint64_t>(duration_cast<std::chrono::microseconds>(done - due).count()));
          mine.service_us.Record(
              static_cast<uint64_t>(duration_cast<std::chrono::microseconds>(done - sent).count()));
          continue;
        }
        refused_per_s[slot_of(done)].fetch_add(1, std::memory_order_relaxed);
        if (!response.ok()) {
          ++mine.transport_errors;
          if (mine.example_failure.empty()) mine.example_failure = response.status().ToString();
        } else if (response->status == 429 || response->status == 503) {
          ++(response->Header("Retry-After").empty() ? mine.shed_no_retry_after
                                                     : mine.shed_retry_after);
        } else {
          ++mine.other_status;
          if (mine.example_failure.empty()) {
            mine.example_failure = std::to_string(response->status) + " " + response->body;
          }
        }
      }
      std::lock_guard lock(mu);
      phase.sent += mine.sent;
      phase.accepted += mine.accepted;
      phase.shed_retry_after += mine.shed_retry_after;
      phase.shed_no_retry_after += mine.shed_no_retry_after;
      phase.other_status += mine.other_status;
      phase.transport_errors += mine.transport_errors;
      phase.late_starts += mine.late_starts;
      phase.latency_us.Merge(mine.latency_us);
      phase.service_us.Merge(mine.service_us);
      if (phase.example_failure.empty()) phase.example_failure = mine.example_failure;
    });
  }
  for (auto& t : threads) t.join();
  phase.elapsed = duration<double>(Clock::now() - start).count();
  rss.Stop();
  phase.receiver_rss_kib = rss.receiver_kib();
  phase.queue_rss_kib = rss.queue_kib();
  for (size_t s = 0; s < slots; ++s) {
    phase.accepted_per_s.push_back(accepted_per_s[s].load());
    phase.refused_per_s.push_back(refused_per_s[s].load());
  }
  return phase;
}

void PrintPhase(const Phase& p) {
  std::printf(
      "%-10s %9.0f %9.0f %9.0f %9llu %7llu %7llu %7llu %8.1f %8.1f %8.1f %8.1f %7.1f %7.1f\n",
      p.name.c_str(), p.offered_per_s, p.sent / p.elapsed, p.accepted / p.elapsed,
      static_cast<unsigned long long>(p.shed_retry_after),
      static_cast<unsigned long long>(p.shed_no_retry_after + p.other_status),
      static_cast<unsigned long long>(p.transport_errors),
      static_cast<unsigned long long>(p.late_starts), p.service_us.Percentile(50) / 1000.0,
      p.service_us.Percentile(99) / 1000.0, p.service_us.max() / 1000.0,
      p.latency_us.Percentile(99) / 1000.0, p.receiver_rss_kib / 1024.0, p.queue_rss_kib / 1024.0);
  if (!p.example_failure.empty()) std::printf("  e.g. %s\n", p.example_failure.c_str());
  std::fflush(stdout);
}

// "accepted/refused" per second, for the timeline of a phase.
std::string Timeline(const Phase& p) {
  std::string out;
  for (size_t s = 0; s + 1 < p.accepted_per_s.size(); ++s) {
    out += " " + std::to_string(p.accepted_per_s[s]) + "/" + std::to_string(p.refused_per_s[s]);
  }
  return out;
}

int Run(const Flags& f) {
  using roadsense::testing::BinaryPath;
  using roadsense::testing::ChildProcess;
  roadsense::testing::TempDir dir;
  const int queue_port = roadsense::testing::FreePort();
  const int receiver_port = roadsense::testing::FreePort();
  const std::string endpoint = "http://127.0.0.1:" + std::to_string(queue_port);

  ChildProcess queue;
  queue.Start({BinaryPath("roadsense-queue"), "--listen", "127.0.0.1:" + std::to_string(queue_port),
               "--data-dir", dir.path() + "/queue", "--log-level", f.log_level},
              dir.path() + "/queue.log");
  if (!roadsense::testing::WaitForPort(queue_port, std::chrono::seconds(10))) {
    std::fprintf(stderr, "queue did not start:\n%s", queue.ReadLog().c_str());
    return 1;
  }
  // Nothing consumes, so the queue holds every accepted upload (1-2 GB for the default 60 s
  // at 2x capacity on 2 cores). No short retention: expiring messages mid-run would add the
  // queue's reclamation work to the phase being measured.
  sqs::SqsClientOptions client_options;
  client_options.endpoint = endpoint;
  sqs::SqsClient sqs_client(client_options);
  auto url = sqs_client.CreateQueue("overload");
  if (!url.ok()) {
    std::fprintf(stderr, "CreateQueue: %s\n", url.status().ToString().c_str());
    return 1;
  }
  ChildProcess receiver;
  const std::vector<std::string> receiver_argv = {BinaryPath("roadsense-receiver"),
                                                  "--listen",
                                                  "127.0.0.1:" + std::to_string(receiver_port),
                                                  "--queue-url",
                                                  *url,
                                                  "--create-queue=false",
                                                  "--threads",
                                                  std::to_string(f.receiver_threads),
                                                  "--sender-threads",
                                                  std::to_string(f.sender_threads),
                                                  "--max-inflight",
                                                  std::to_string(f.max_inflight),
                                                  "--max-inflight-bytes",
                                                  std::to_string(f.max_inflight_bytes),
                                                  "--log-level",
                                                  f.log_level};
  receiver.Start(receiver_argv, dir.path() + "/receiver.log");
  if (!roadsense::testing::WaitForPort(receiver_port, std::chrono::seconds(10))) {
    std::fprintf(stderr, "receiver did not start:\n%s", receiver.ReadLog().c_str());
    return 1;
  }

  const std::vector<std::string> bodies = MakeUploadBodies(4000, f.reports_per_batch);
  std::printf(
      "roadsense-bench-overload: %u cores, %d reports/upload (%zu bytes), receiver "
      "--max-inflight %d --max-inflight-bytes %lld, %d open-loop connections\n",
      std::thread::hardware_concurrency(), f.reports_per_batch, bodies[0].size(), f.max_inflight,
      static_cast<long long>(f.max_inflight_bytes), f.connections);
  // Latency of accepted uploads: p50/p99/max from the send, and p99 from the due time ("due99").
  std::printf("%-10s %9s %9s %9s %9s %7s %7s %7s %8s %8s %8s %8s %7s %7s\n", "phase", "offered/s",
              "sent/s", "accepted/s", "shed+RA", "other", "neterr", "late", "p50 ms", "p99 ms",
              "max ms", "due99 ms", "rcvMiB", "queueMiB");
  const pid_t rpid = receiver.pid(), qpid = queue.pid();

  double capacity = f.rate;
  if (capacity <= 0) {
    RunPhase("warm-up", receiver_port, bodies, 0, 2, f.capacity_connections, rpid, qpid);
    const Phase measured = RunPhase("capacity", receiver_port, bodies, 0, f.capacity_seconds,
                                    f.capacity_connections, rpid, qpid);
    PrintPhase(measured);
    capacity = measured.accepted / measured.elapsed;
  }
  const Phase overload = RunPhase("overload", receiver_port, bodies, f.overload_factor * capacity,
                                  f.seconds, f.connections, rpid, qpid);
  PrintPhase(overload);
  const Phase cooldown = RunPhase("cool-down", receiver_port, bodies, f.cooldown_factor * capacity,
                                  f.cooldown_seconds, f.connections, rpid, qpid);
  PrintPhase(cooldown);
  std::printf("accepted/refused per second, overload:%s\n", Timeline(overload).c_str());
  std::printf("accepted/refused per second, cool-down:%s\n", Timeline(cooldown).c_str());

  // The checks.
  int failed = 0;
  auto check = [&failed](bool ok, const std::string& what) {
    std::printf("%s %s\n", ok ? "ok  " : "FAIL", what.c_str());
    if (!ok) ++failed;
  };
  char buf[256];
  check(receiver.running() && queue.running(), "receiver and queue survived");
  const uint64_t peak_kib = std::max(overload.receiver_rss_kib, cooldown.receiver_rss_kib);
  std::snprintf(buf, sizeof buf, "receiver peak RSS %.1f MiB <= %.0f MiB", peak_kib / 1024.0,
                f.max_rss_mib);
  check(peak_kib / 1024.0 <= f.max_rss_mib, buf);
  std::snprintf(buf, sizeof buf, "overload shed %llu uploads (%.1f%%), all 429/503 + Retry-After",
                static_cast<unsigned long long>(overload.shed_retry_after),
                overload.sent ? 100.0 * overload.shed_retry_after / overload.sent : 0.0);
  check(overload.shed_retry_after > 0 && overload.shed_no_retry_after == 0, buf);
  std::snprintf(buf, sizeof buf, "overload: no other failures (other %llu, network %llu)",
                static_cast<unsigned long long>(overload.other_status),
                static_cast<unsigned long long>(overload.transport_errors));
  check(overload.other_status == 0 && overload.transport_errors == 0, buf);
  std::snprintf(buf, sizeof buf, "overload accepted p99 %.1f ms <= %.0f ms (from the send)",
                overload.service_us.Percentile(99) / 1000.0, f.max_p99_ms);
  check(overload.service_us.Percentile(99) / 1000.0 <= f.max_p99_ms, buf);
  // Recovery: the cool-down after its first --recovery-seconds.
  const size_t skip = static_cast<size_t>(std::ceil(f.recovery_seconds));
  const size_t full_seconds = cooldown.accepted_per_s.size() - 1;
  uint64_t cool_accepted = 0, cool_refused = 0;
  for (size_t s = skip; s < full_seconds; ++s) {
    cool_accepted += cooldown.accepted_per_s[s];
    cool_refused += cooldown.refused_per_s[s];
  }
  const double window = full_seconds > skip ? static_cast<double>(full_seconds - skip) : 0;
  const double cool_refused_pct =
      cool_accepted + cool_refused ? 100.0 * cool_refused / (cool_accepted + cool_refused) : 0;
  std::snprintf(buf, sizeof buf, "cool-down after %zu s: refused %.2f%% <= %.1f%%", skip,
                cool_refused_pct, f.max_cooldown_rejected_pct);
  check(window > 0 && cool_refused_pct <= f.max_cooldown_rejected_pct, buf);
  const double cool_throughput_pct =
      window > 0 ? 100.0 * cool_accepted / window / cooldown.offered_per_s : 0;
  std::snprintf(buf, sizeof buf, "cool-down after %zu s: accepted %.1f%% of offered >= %.0f%%",
                skip, cool_throughput_pct, f.min_cooldown_throughput_pct);
  check(cool_throughput_pct >= f.min_cooldown_throughput_pct, buf);

  receiver.Stop(SIGTERM);
  queue.Stop(SIGTERM);
  std::printf("%s\n", failed ? "overload: FAILED" : "overload: OK");
  return failed ? 1 : 0;
}

}  // namespace
}  // namespace roadsense::bench

int main(int argc, char** argv) {
  roadsense::BlockTerminationSignals();
  const auto flags = roadsense::bench::ParseFlags(argc, argv);
  roadsense::InitLogging("roadsense-bench-overload", flags.log_level);
  return roadsense::bench::Run(flags);
}
