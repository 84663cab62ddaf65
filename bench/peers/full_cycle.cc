#include "bench/peers/full_cycle.h"

#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <memory>
#include <thread>
#include <vector>

#include "bench/peers/process_tree.h"
#include "bench/peers/syscall_fsync_counter.h"

namespace roadsense::bench {
namespace {

using Clock = std::chrono::steady_clock;

enum Phase : int { kWarmup, kMeasuring, kStopped };

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}

uint64_t MicrosBetween(int64_t from_ns, int64_t to_ns) {
  return static_cast<uint64_t>(std::max<int64_t>(0, to_ns - from_ns) / 1000);
}

double SelfCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto secs = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return secs(usage.ru_utime) + secs(usage.ru_stime);
}

std::string MakeBody(int thread, uint64_t seq, int64_t send_ns, int payload_bytes) {
  std::string body =
      std::to_string(thread) + " " + std::to_string(seq) + " " + std::to_string(send_ns) + " ";
  if (static_cast<int>(body.size()) < payload_bytes) {
    body.append(static_cast<size_t>(payload_bytes) - body.size(), 'x');
  }
  return body;
}

// The send start time stamped into a body; 0 when the body is not ours.
int64_t SendNsOf(const std::string& body) {
  const auto first = body.find(' ');
  const auto second = first == std::string::npos ? first : body.find(' ', first + 1);
  if (second == std::string::npos) return 0;
  return std::strtoll(body.c_str() + second + 1, nullptr, 10);
}

struct ThreadStats {
  LatencyHistogram send_us, receive_us, delete_us, delivery_us;
  uint64_t deleted = 0, errors = 0, empty_receives = 0;
  std::string first_error;
};

void RunClient(int thread, PeerConnection& conn, const CycleOptions& options,
               const std::atomic<int>& phase, ThreadStats& stats) {
  auto measuring = [&] { return phase.load(std::memory_order_acquire) == kMeasuring; };
  auto on_error = [&](const Status& s) {
    if (measuring()) ++stats.errors;
    if (stats.first_error.empty()) stats.first_error = s.ToString();
    spdlog::debug("client {}: {}", thread, s.ToString());
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  };
  uint64_t seq = 0;
  std::vector<std::string> bodies(static_cast<size_t>(options.batch));
  while (phase.load(std::memory_order_acquire) != kStopped) {
    const int64_t send_start = NowNs();
    for (auto& body : bodies) body = MakeBody(thread, seq++, send_start, options.payload_bytes);
    if (Status s = conn.SendBatch(bodies); !s.ok()) {
      on_error(s);
      continue;
    }
    if (measuring()) stats.send_us.Record(MicrosBetween(send_start, NowNs()));

    // Receive and delete until as many messages came back as this cycle sent (from any sender),
    // or a receive found nothing in time. Taking back what one sends keeps the backlog from
    // growing for systems whose receives return partial batches (RabbitMQ's pushed deliveries,
    // a job table under contention), so delivery latency is not a measure of run length.
    for (int wanted = options.batch; wanted > 0;) {
      const int64_t receive_start = NowNs();
      auto received = conn.Receive(wanted, options.receive_wait);
      if (!received.ok()) {
        on_error(received.status());
        break;
      }
      const int64_t received_ns = NowNs();
      if (measuring()) {
        stats.receive_us.Record(MicrosBetween(receive_start, received_ns));
        if (received->empty()) ++stats.empty_receives;
        for (const PeerMessage& m : *received) {
          if (const int64_t sent = SendNsOf(m.body); sent > 0) {
            stats.delivery_us.Record(MicrosBetween(sent, received_ns));
          }
        }
      }
      if (received->empty()) break;

      const int64_t delete_start = NowNs();
      if (Status s = conn.Delete(*received); !s.ok()) {
        on_error(s);
        break;
      }
      if (measuring()) {
        stats.delete_us.Record(MicrosBetween(delete_start, NowNs()));
        stats.deleted += received->size();
      }
      wanted -= static_cast<int>(received->size());
    }
  }
}

}  // namespace

CycleResult RunFullCycle(PeerSystem& system, pid_t server_pid, int concurrency, int run,
                         const CycleOptions& options) {
  CycleResult result;
  result.system = system.name();
  result.concurrency = concurrency;
  result.run = run;
  const std::string queue =
      "bench_" + system.name() + "_c" + std::to_string(concurrency) + "_r" + std::to_string(run);
  if (Status s = system.CreateQueue(queue); !s.ok()) {
    result.first_error = "create queue: " + s.ToString();
    result.errors = 1;
    return result;
  }
  std::vector<std::unique_ptr<PeerConnection>> connections;
  for (int t = 0; t < concurrency; ++t) {
    auto conn = system.Connect();
    if (!conn.ok()) {
      result.first_error = "connect: " + conn.status().ToString();
      result.errors = 1;
      (void)system.DropQueue();
      return result;
    }
    connections.push_back(std::move(*conn));
  }

  std::atomic<int> phase{kWarmup};
  std::vector<ThreadStats> stats(static_cast<size_t>(concurrency));
  std::vector<std::thread> threads;
  for (int t = 0; t < concurrency; ++t) {
    threads.emplace_back(RunClient, t, std::ref(*connections[static_cast<size_t>(t)]),
                         std::cref(options), std::cref(phase),
                         std::ref(stats[static_cast<size_t>(t)]));
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(options.warmup_seconds));

  // Taken after the warm-up, so that backends and threads started for this level are included.
  const ProcessTree tree = ProcessTree::Of(server_pid);
  SyscallFsyncCounter fsync_counter;
  bool counting = false;
  if (options.count_syscalls && server_pid > 0) {
    const Status started = fsync_counter.Start(tree.pids());
    counting = started.ok();
    if (!started.ok()) spdlog::warn("fsync count off: {}", started.ToString());
  }
  const double server_cpu_before = tree.CpuSeconds();
  const auto native_before = system.NativeFsyncs();
  const double self_before = SelfCpuSeconds();
  const auto start = Clock::now();
  phase.store(kMeasuring, std::memory_order_release);
  std::this_thread::sleep_for(std::chrono::duration<double>(options.seconds));
  phase.store(kStopped, std::memory_order_release);
  result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  result.client_cpu_s = SelfCpuSeconds() - self_before;
  const double server_cpu_after = tree.CpuSeconds();
  const auto native_after = system.NativeFsyncs();
  if (counting) {
    auto count = fsync_counter.Stop();
    if (count.ok()) {
      result.syscall_fsyncs = *count;
    } else {
      spdlog::warn("fsync count: {}", count.status().ToString());
    }
  }
  for (auto& t : threads) t.join();
  connections.clear();
  if (Status s = system.DropQueue(); !s.ok()) {
    spdlog::warn("drop queue {}: {}", queue, s.ToString());
  }

  if (server_pid > 0) result.server_cpu_s = server_cpu_after - server_cpu_before;
  if (native_before && native_after) result.native_fsyncs = *native_after - *native_before;
  for (const ThreadStats& s : stats) {
    result.send_us.Merge(s.send_us);
    result.receive_us.Merge(s.receive_us);
    result.delete_us.Merge(s.delete_us);
    result.delivery_us.Merge(s.delivery_us);
    result.deleted += s.deleted;
    result.errors += s.errors;
    result.empty_receives += s.empty_receives;
    if (result.first_error.empty()) result.first_error = s.first_error;
  }
  result.msgs_per_s = static_cast<double>(result.deleted) / result.seconds;
  return result;
}

}  // namespace roadsense::bench
