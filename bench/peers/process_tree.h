// ProcessTree: a server process and its descendants (PostgreSQL backends, RabbitMQ's Erlang VM
// under its start scripts), read from /proc, for CPU accounting of the whole server.
// Not thread-safe.
#pragma once

#include <sys/types.h>

#include <vector>

namespace roadsense::bench {

class ProcessTree {
 public:
  // `root` and every process whose parent chain leads to it, as of now.
  static ProcessTree Of(pid_t root);

  const std::vector<pid_t>& pids() const { return pids_; }
  // Sum of utime + stime (all threads) plus cutime + cstime (reaped children) of these processes,
  // in seconds, from /proc/<pid>/stat; processes that have exited since count 0. Differences of
  // two calls give the tree's CPU in between.
  double CpuSeconds() const;

 private:
  std::vector<pid_t> pids_;
};

}  // namespace roadsense::bench
