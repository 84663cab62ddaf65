// WorkerFleet: the local roadsense-worker processes the autoscaler runs.
//
// Each worker occupies a slot 0..N-1; slot i's worker gets `--<metrics_flag> 127.0.0.1:<base+i>`
// when metrics are configured, so its /metrics can be scraped. Workers are started with
// posix_spawn (signals unblocked and at their defaults, ROADSENSE_CONFIG removed from the
// environment so that the autoscaler's own config file never reaches a worker) and stopped with
// SIGTERM: a worker then finishes its in-flight receive, commits, deletes and exits. A worker
// that exits without being asked is logged and restarted in its slot, after a back-off that grows
// while it keeps dying young. Every start, stop, death and restart is logged.
// Not thread-safe: one controller thread calls everything.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include "autoscale/scaling_policy.h"

namespace roadsense::autoscale {

struct WorkerFleetOptions {
  std::string worker_binary;             // path of roadsense-worker
  std::vector<std::string> worker_args;  // every worker's arguments (after the binary)
  std::string metrics_flag;              // e.g. "metrics-listen"; empty: no metrics endpoint
  int metrics_port_base = 0;             // slot i listens on base+i; 0: no metrics endpoint
  // A worker that dies within this time of its start counts as crash-looping: back off.
  std::chrono::milliseconds healthy_after{10'000};
  std::chrono::milliseconds max_restart_backoff{30'000};
};

// A running worker whose /metrics can be scraped.
struct WorkerEndpoint {
  pid_t pid = -1;
  int metrics_port = 0;
};

class WorkerFleet {
 public:
  explicit WorkerFleet(WorkerFleetOptions options);
  // Stops every worker (StopAll with a 60 s grace period).
  ~WorkerFleet();
  WorkerFleet(const WorkerFleet&) = delete;
  WorkerFleet& operator=(const WorkerFleet&) = delete;

  // Starts or stops workers so that `target` are active (running or waiting for a restart;
  // stopping workers do not count). Stops the highest slots first.
  void ScaleTo(int target, Clock::time_point now);
  // Collects exited workers (waitpid without blocking) and restarts the ones that died and
  // whose back-off has passed. Call every controller tick.
  void Reap(Clock::time_point now);
  // SIGTERM to every worker, waits up to `grace` for them to exit, then SIGKILL.
  void StopAll(std::chrono::milliseconds grace);

  int active() const;                             // running or waiting for a restart
  int stopping() const;                           // sent SIGTERM, not exited yet
  std::vector<WorkerEndpoint> endpoints() const;  // running workers with a metrics port
  int64_t restarts() const { return restarts_; }

 private:
  enum class State { kRunning, kRestartPending, kStopping };
  struct Slot {
    int index = 0;
    State state = State::kRunning;
    pid_t pid = -1;
    Clock::time_point started;
    Clock::time_point restart_at;
    int young_deaths = 0;  // consecutive deaths within healthy_after of the start
  };
  bool Spawn(Slot* slot, Clock::time_point now);
  int FreeSlotIndex() const;
  int metrics_port(int index) const;

  WorkerFleetOptions options_;
  std::vector<Slot> slots_;
  int64_t restarts_ = 0;
};

}  // namespace roadsense::autoscale
