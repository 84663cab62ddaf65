// roadsense-bench-receiver: accepted reports/s and upload latency of roadsense-receiver with a
// real, durable roadsense-queue behind it, against a trivial HTTP server (the same
// net::HttpServer, answering 204 at once) under the same load. See bench/README.md.
//
// Phases: (1) closed loop against the receiver: C connections each send one upload of
// --reports-per-batch reports after the other; (2) the same against the 204 server (ratio);
// (3) open loop against the receiver at half the rate of (1) and (4) at --fixed-rate reports/s,
// latency measured from each upload's intended send time (coordinated omission corrected).
// --tls: the receiver and the 204 server serve HTTPS with a certificate generated for the run,
// and every client connection verifies it (TLS handshake once per keep-alive connection).
#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
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
#include "net/http_server.h"
#include "tests/support/child_process.h"
#include "tests/support/tls_test_certificate.h"

namespace roadsense::bench {
namespace {

using Clock = std::chrono::steady_clock;

struct Flags {
  int concurrency = 64;
  double seconds = 5;
  double warmup_seconds = 1;
  int reports_per_batch = 50;
  int receiver_threads = 0;
  int sender_threads = 4;
  int linger_ms = 2;
  double fixed_rate = 50000;  // reports/s of the last open-loop phase (the p99 target)
  bool tls = false;
  std::string serve_204;  // internal: run the trivial server on this address
  std::string tls_cert;   // internal, with serve_204: serve HTTPS with this certificate and key
  std::string tls_key;
  std::string log_level = "warn";
};

Flags ParseFlags(int argc, char** argv) {
  Flags f;
  FlagSet flags("roadsense-bench-receiver",
                "Accepted reports/s and p99 upload latency of roadsense-receiver + "
                "roadsense-queue, and the ratio to a trivial 204 server on the same HTTP stack.");
  flags.AddInt("concurrency", &f.concurrency, "client connections (closed loop)");
  flags.AddDouble("seconds", &f.seconds, "measured seconds per phase");
  flags.AddDouble("warmup-seconds", &f.warmup_seconds, "unmeasured seconds before each phase");
  flags.AddInt("reports-per-batch", &f.reports_per_batch, "reports per upload");
  flags.AddInt("receiver-threads", &f.receiver_threads,
               "--threads of the receiver and the 204 server (0 = one per core)");
  flags.AddInt("sender-threads", &f.sender_threads, "the receiver's --sender-threads");
  flags.AddInt("linger-ms", &f.linger_ms, "the receiver's --linger-ms");
  flags.AddDouble("fixed-rate", &f.fixed_rate,
                  "reports/s of a last open-loop phase against the receiver (0: skip)");
  flags.AddBool("tls", &f.tls,
                "HTTPS: the receiver and the 204 server get a certificate generated for the run");
  flags.AddString("serve-204", &f.serve_204, "(internal) serve 204 on host:port until SIGTERM");
  flags.AddString("tls-cert", &f.tls_cert, "(internal) with --serve-204: certificate (PEM)");
  flags.AddString("tls-key", &f.tls_key, "(internal) with --serve-204: private key (PEM)");
  flags.AddString("log-level", &f.log_level, "log level of this program and its children");
  flags.ParseOrExit(argc, argv);
  return f;
}

struct LoadResult {
  double seconds = 0;
  uint64_t ok = 0;      // 2xx answers completed in the window
  uint64_t failed = 0;  // anything else (non-2xx, transport errors)
  LatencyHistogram latency_us;
};

// C threads, each with its own keep-alive connection. rate_uploads_per_s == 0: closed loop;
// else open loop, each thread on its own fixed schedule, latency from the intended send time.
// Where the load goes: scheme, host and port, and the trust file for https.
struct Target {
  net::HttpUrl origin;
  net::HttpClientOptions client_options;
};

Target MakeTarget(int port, const std::string& ca_file) {
  const std::string scheme = ca_file.empty() ? "http" : "https";
  return {*net::ParseHttpUrl(scheme + "://127.0.0.1:" + std::to_string(port)),
          {.tls_ca_file = ca_file}};
}

LoadResult RunLoad(const Target& target, const std::vector<std::string>& bodies, const Flags& f,
                   double rate_uploads_per_s) {
  const auto start = Clock::now();
  const auto window_begin = start + std::chrono::duration_cast<Clock::duration>(
                                        std::chrono::duration<double>(f.warmup_seconds));
  const auto window_end = window_begin + std::chrono::duration_cast<Clock::duration>(
                                             std::chrono::duration<double>(f.seconds));
  std::mutex mu;
  LoadResult total;
  total.seconds = f.seconds;
  std::vector<std::thread> threads;
  for (int t = 0; t < f.concurrency; ++t) {
    threads.emplace_back([&, t] {
      net::HttpClient client(target.origin, target.client_options);
      LoadResult mine;
      net::HttpRequest req;
      req.method = "POST";
      req.target = "/v1/reports";
      req.headers = {{"Content-Type", "application/x-protobuf"}};
      const auto interval =
          rate_uploads_per_s > 0
              ? std::chrono::duration_cast<Clock::duration>(
                    std::chrono::duration<double>(f.concurrency / rate_uploads_per_s))
              : Clock::duration::zero();
      // Spread the threads' schedules over one interval.
      auto intended = start + interval * t / f.concurrency;
      for (size_t i = static_cast<size_t>(t);; i += static_cast<size_t>(f.concurrency)) {
        if (rate_uploads_per_s > 0) {
          std::this_thread::sleep_until(intended);
        } else {
          intended = Clock::now();
        }
        if (intended >= window_end) break;
        req.body = bodies[i % bodies.size()];
        auto r = client.RoundTrip(req, std::chrono::seconds(30));
        const auto done = Clock::now();
        if (intended >= window_begin && done <= window_end) {
          if (r.ok() && r->status / 100 == 2) {
            ++mine.ok;
            mine.latency_us.Record(static_cast<uint64_t>(
                std::chrono::duration_cast<std::chrono::microseconds>(done - intended).count()));
          } else {
            ++mine.failed;
          }
        }
        if (rate_uploads_per_s > 0) intended += interval;
      }
      std::lock_guard lock(mu);
      total.ok += mine.ok;
      total.failed += mine.failed;
      total.latency_us.Merge(mine.latency_us);
    });
  }
  for (auto& th : threads) th.join();
  return total;
}

void Print(const char* name, const LoadResult& r, int reports_per_batch) {
  std::printf("%-34s %12.0f %10.0f %8.2f %8.2f %8.2f %8llu\n", name,
              r.ok * reports_per_batch / r.seconds, r.ok / r.seconds,
              r.latency_us.Percentile(50) / 1000.0, r.latency_us.Percentile(99) / 1000.0,
              r.latency_us.max() / 1000.0, static_cast<unsigned long long>(r.failed));
  std::fflush(stdout);
}

int Serve204(const Flags& f) {
  net::HttpServerOptions o;
  o.listen = f.serve_204;
  o.threads = f.receiver_threads;
  o.tls_certificate_file = f.tls_cert;
  o.tls_private_key_file = f.tls_key;
  net::HttpServer server(o, [](net::HttpRequest&&, net::Responder respond) {
    net::HttpResponse r;
    r.status = 204;
    respond(std::move(r));
  });
  if (!server.Start().ok()) return 1;
  WaitForTerminationSignal();
  server.Stop();
  return 0;
}

bool AwaitReady(const Target& target) {
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  net::HttpRequest req;
  req.method = "GET";
  req.target = "/readyz";
  while (Clock::now() < deadline) {
    net::HttpClient client(target.origin, target.client_options);
    auto r = client.RoundTrip(req, std::chrono::seconds(2));
    if (r.ok() && r->status == 200) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

int Run(const Flags& f) {
  using roadsense::testing::BinaryPath;
  using roadsense::testing::ChildProcess;
  roadsense::testing::TempDir dir;
  const int queue_port = roadsense::testing::FreePort();
  const int receiver_port = roadsense::testing::FreePort();
  const int trivial_port = roadsense::testing::FreePort();
  const std::string threads = std::to_string(f.receiver_threads);
  std::vector<std::string> tls_flags;
  std::string ca_file;
  if (f.tls) {
    const auto cert = roadsense::testing::WriteTlsTestCertificate(dir.path());
    tls_flags = {"--tls-cert", cert.certificate_file, "--tls-key", cert.private_key_file};
    ca_file = cert.certificate_file;
  }
  const Target receiver_target = MakeTarget(receiver_port, ca_file);
  const Target trivial_target = MakeTarget(trivial_port, ca_file);

  ChildProcess queue;
  queue.Start({BinaryPath("roadsense-queue"), "--listen", "127.0.0.1:" + std::to_string(queue_port),
               "--data-dir", dir.path() + "/queue", "--log-level", f.log_level},
              dir.path() + "/queue.log");
  if (!roadsense::testing::WaitForPort(queue_port, std::chrono::seconds(10))) {
    std::fprintf(stderr, "queue did not start:\n%s", queue.ReadLog().c_str());
    return 1;
  }
  ChildProcess receiver;
  std::vector<std::string> receiver_argv = {
      BinaryPath("roadsense-receiver"),
      "--listen",
      "127.0.0.1:" + std::to_string(receiver_port),
      "--queue-url",
      "http://127.0.0.1:" + std::to_string(queue_port) + "/000000000000/bench",
      "--threads",
      threads,
      "--sender-threads",
      std::to_string(f.sender_threads),
      "--linger-ms",
      std::to_string(f.linger_ms),
      "--log-level",
      f.log_level};
  receiver_argv.insert(receiver_argv.end(), tls_flags.begin(), tls_flags.end());
  receiver.Start(receiver_argv, dir.path() + "/receiver.log");
  if (!AwaitReady(receiver_target)) {
    std::fprintf(stderr, "receiver not ready:\n%s", receiver.ReadLog().c_str());
    return 1;
  }
  ChildProcess trivial;
  std::vector<std::string> trivial_argv = {BinaryPath("roadsense-bench-receiver"), "--serve-204",
                                           "127.0.0.1:" + std::to_string(trivial_port),
                                           "--receiver-threads", threads};
  trivial_argv.insert(trivial_argv.end(), tls_flags.begin(), tls_flags.end());
  trivial.Start(trivial_argv, dir.path() + "/trivial.log");
  if (!roadsense::testing::WaitForPort(trivial_port, std::chrono::seconds(10))) return 1;

  const std::vector<std::string> bodies = MakeUploadBodies(4000, f.reports_per_batch);
  std::printf(
      "roadsense-bench-receiver: %s, %u cores, %d connections, %d reports/upload, "
      "%.0f s per phase (+%.0f s warm-up), upload bytes %zu\n",
      f.tls ? "HTTPS" : "HTTP", std::thread::hardware_concurrency(), f.concurrency,
      f.reports_per_batch, f.seconds, f.warmup_seconds, bodies[0].size());
  std::printf("%-34s %12s %10s %8s %8s %8s %8s\n", "phase", "reports/s", "uploads/s", "p50 ms",
              "p99 ms", "max ms", "failed");
  const LoadResult closed = RunLoad(receiver_target, bodies, f, /*rate_uploads_per_s=*/0);
  Print("receiver+queue, closed loop", closed, f.reports_per_batch);
  const LoadResult bare = RunLoad(trivial_target, bodies, f, 0);
  Print("trivial 204 server, closed loop", bare, f.reports_per_batch);
  const double half = closed.ok / closed.seconds / 2;
  const LoadResult open = RunLoad(receiver_target, bodies, f, half);
  Print("receiver+queue, open loop at 1/2", open, f.reports_per_batch);
  if (f.fixed_rate > 0) {
    const LoadResult fixed =
        RunLoad(receiver_target, bodies, f, f.fixed_rate / f.reports_per_batch);
    const std::string name =
        "receiver+queue, open loop at " + std::to_string(static_cast<int>(f.fixed_rate));
    Print(name.c_str(), fixed, f.reports_per_batch);
  }
  std::printf("receiver / trivial throughput ratio: %.2f\n",
              bare.ok > 0 ? static_cast<double>(closed.ok) / static_cast<double>(bare.ok) : 0.0);

  trivial.Stop(SIGTERM);
  receiver.Stop(SIGTERM);
  queue.Stop(SIGTERM);
  return 0;
}

}  // namespace
}  // namespace roadsense::bench

int main(int argc, char** argv) {
  roadsense::BlockTerminationSignals();
  const auto flags = roadsense::bench::ParseFlags(argc, argv);
  roadsense::InitLogging("roadsense-bench-receiver", flags.log_level);
  if (!flags.serve_204.empty()) {
    return roadsense::bench::Serve204(flags);
  }
  return roadsense::bench::Run(flags);
}
