// ChaosPipeline: the whole roadsense pipeline as real processes for a chaos run — a throwaway
// PostgreSQL (tests/support TestPostgres, i.e. scripts/pg-cluster), roadsense-queue with a data
// directory, N roadsense-receivers (fleet API keys on, as in production) and M roadsense-workers
// — and the faults of a ChaosSchedule: kill -9 one process (or stop PostgreSQL) and restart it
// on the same port, data directory and flags after the event's downtime.
//
// Binaries come from the directory of the running program (build/bin) or $ROADSENSE_BIN_DIR.
// Every process appends its output to <dir>/<name>.log (restarts append to the same file).
// Not thread-safe. The destructor kills what still runs and removes PostgreSQL's directory.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "chaos/chaos_schedule.h"
#include "core/status.h"
#include "tests/support/child_process.h"
#include "tests/support/test_postgres.h"

namespace roadsense::chaos {

struct PipelineOptions {
  std::string dir;  // logs, queue data, keys: must exist
  int receivers = 2;
  int workers = 3;
  int worker_visibility_timeout_s = 5;  // how soon a killed worker's messages come back
  std::string fleet_id = "chaos-fleet";
};

class ChaosPipeline {
 public:
  explicit ChaosPipeline(PipelineOptions options);  // starts PostgreSQL (throws if it cannot)
  ~ChaosPipeline();
  ChaosPipeline(const ChaosPipeline&) = delete;
  ChaosPipeline& operator=(const ChaosPipeline&) = delete;

  // Starts queue, receivers and workers; returns once every server listens and the workers have
  // created tile_stats (their migrations ran).
  Status Start();
  // Kills the event's component with SIGKILL (PostgreSQL: pg-cluster stop, fast or immediate),
  // sleeps its downtime, starts it again and waits until it listens. An error when the process
  // had already exited by itself (a crash the chaos found) or does not come back.
  Status Inject(const ChaosEvent& event);
  // Names of the processes that exited without being killed (crashes), since the last call;
  // each is restarted so that the run can go on.
  std::vector<std::string> RestartCrashed();
  // SIGTERM to every process, workers first, so that they finish cleanly.
  void StopAll();

  std::string queue_url() const;
  std::string receiver_targets() const;  // "http://127.0.0.1:P1,http://127.0.0.1:P2"
  std::string db() const { return pg_.ConnectionString(); }
  const std::string& api_key_file() const { return api_key_file_; }
  const std::string& fleet_id() const { return options_.fleet_id; }
  const std::string& dir() const { return options_.dir; }

 private:
  struct Process {
    std::string name;  // log file stem, "receiver-1"
    std::vector<std::string> argv;
    int port = 0;  // 0: nothing to wait for (workers)
    testing::ChildProcess child;
  };
  Status StartProcess(Process& p);
  Status KillAndRestart(Process& p, std::chrono::milliseconds downtime);
  Status WaitForTileStats(std::chrono::seconds timeout);

  PipelineOptions options_;
  testing::TestPostgres pg_;
  std::string api_key_file_;
  int queue_port_ = 0;
  std::unique_ptr<Process> queue_;
  std::vector<std::unique_ptr<Process>> receivers_, workers_;
};

}  // namespace roadsense::chaos
