// SyscallFsyncCounter: counts the fsync and fdatasync system calls a set of processes makes, with
// `perf stat -e syscalls:sys_enter_fsync,syscalls:sys_enter_fdatasync -p …` (kernel tracepoint
// counters: no ptrace, negligible overhead). It is the same measurement for every system, whether
// or not the system counts its own fsyncs. Needs perf (Debian linux-perf) and permission to use
// tracepoints (root, or kernel.perf_event_paranoid ≤ -1). Not thread-safe.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "core/status.h"

namespace roadsense::bench {

class SyscallFsyncCounter {
 public:
  SyscallFsyncCounter() = default;
  ~SyscallFsyncCounter();  // stops a running perf
  SyscallFsyncCounter(const SyscallFsyncCounter&) = delete;
  SyscallFsyncCounter& operator=(const SyscallFsyncCounter&) = delete;

  // Starts counting for `pids` (all their threads, and threads and processes they start later).
  Status Start(const std::vector<pid_t>& pids);
  // Stops counting; the number of fsync + fdatasync calls since Start.
  Result<uint64_t> Stop();

 private:
  pid_t perf_ = -1;
  std::string out_path_;
};

}  // namespace roadsense::bench
