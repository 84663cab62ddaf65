// RunFullCycle: one measured level of the peer benchmark. C client threads, each with its own
// PeerConnection, loop: send a batch; then receive (up to what is still owed, waiting for the
// first) and delete what was received, until as many messages as were sent came back or a
// receive found none; all against a fresh queue; after a warm-up, everything that completes inside
// the measured window is counted. The body of every message starts with "<thread> <seq> <send start
// ns> " (steady clock) and is padded to the payload size, so whichever thread receives it can
// compute its delivery latency. Server CPU and fsyncs are measured over the same window.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "bench/peers/peer_system.h"
#include "core/latency_histogram.h"

namespace roadsense::bench {

struct CycleOptions {
  int batch = 10;
  int payload_bytes = 1024;
  double warmup_seconds = 2;
  double seconds = 10;
  std::chrono::milliseconds receive_wait{1000};
  bool count_syscalls = true;  // kernel-side fsync count with perf (SyscallFsyncCounter)
};

struct CycleResult {
  std::string system;
  int concurrency = 0;
  int run = 0;
  double seconds = 0;            // measured wall time
  uint64_t deleted = 0;          // messages deleted/acked in the window: the full-cycle count
  double msgs_per_s = 0;         // deleted / seconds
  LatencyHistogram send_us;      // one SendBatch call (a batch), microseconds
  LatencyHistogram receive_us;   // one Receive call
  LatencyHistogram delete_us;    // one Delete call
  LatencyHistogram delivery_us;  // send start (stamp in the body) -> returned by a Receive
  uint64_t errors = 0;
  uint64_t empty_receives = 0;
  std::string first_error;
  std::optional<double> server_cpu_s;      // the server's process tree, over the window
  double client_cpu_s = 0;                 // this process, over the window
  std::optional<uint64_t> syscall_fsyncs;  // fsync + fdatasync calls of the server's processes
  std::optional<uint64_t> native_fsyncs;   // the server's own counter, when it has one
};

// Runs one level. `server_pid` (0: unknown) is the root of the server's process tree, for CPU
// and fsync accounting. Creates and drops the queue "bench_<system>_c<C>_r<run>".
CycleResult RunFullCycle(PeerSystem& system, pid_t server_pid, int concurrency, int run,
                         const CycleOptions& options);

}  // namespace roadsense::bench
