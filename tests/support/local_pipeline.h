// LocalPipeline: the whole roadsense pipeline as real processes on this machine, for e2e tests
// and roadsense-chaos — a throwaway PostgreSQL (TestPostgres, i.e. scripts/pg-cluster),
// roadsense-queue with a data directory, N roadsense-receivers (fleet API keys on, as in
// production), M roadsense-workers and roadsense-sim --verify — plus the faults they are put
// through: kill -9 and restart any process on the same port, data directory and flags, freeze one
// (SIGSTOP: its port stays open, nothing answers) and thaw it, restart PostgreSQL on the same port.
//
// Processes: binaries come from $ROADSENSE_BIN_DIR, else the running program's directory
// (build/bin). Ports: free ports on 127.0.0.1, chosen once; a restarted process gets its old one.
// Logs: every process appends its output to <dir>/<name>.log — queue.log, receiver-0.log,
// worker-2.log, sim.log (restarts append to the same file); Logs() gathers their tails for a
// failing assertion. The simulator's results JSON is <dir>/sim.json.
// Indexes (receiver i, worker i) count from 0; the queue is index 0 of its tier.
// Not thread-safe. The destructor thaws frozen processes (SIGCONT), kills what still runs
// (SIGKILL), stops PostgreSQL and removes its directory, and removes <dir> when it made it.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "net/http_message.h"
#include "tests/support/child_process.h"
#include "tests/support/test_postgres.h"

namespace roadsense::testing {

enum class Tier { kQueue, kReceiver, kWorker };

struct LocalPipelineOptions {
  // Logs, keys, queue data, simulator results; created when missing. Empty: a new temp dir,
  // removed with the pipeline.
  std::string dir;
  int receivers = 1;
  std::string queue_name = "reports";
  std::string fleet_id = "local-fleet";
  std::string api_key = "local-secret";  // the fleet's only key; its SHA-256 is in <dir>/keys
  // How soon the messages a dead or stalled worker holds come back to the queue.
  int worker_visibility_timeout_s = 5;
  std::vector<std::string> receiver_flags;  // appended to every receiver's flags
};

class LocalPipeline {
 public:
  // Starts PostgreSQL and writes the keys files; throws std::runtime_error when it cannot.
  explicit LocalPipeline(LocalPipelineOptions options = {});
  ~LocalPipeline();
  LocalPipeline(const LocalPipeline&) = delete;
  LocalPipeline& operator=(const LocalPipeline&) = delete;

  // Each start returns once the process listens (workers: once started); an error names the log.
  Status StartQueue();
  Status StartReceivers();         // options.receivers of them
  Status StartWorkers(int count);  // `count` more
  // Until the workers' migrations have created tile_stats.
  Status WaitForMigrations(std::chrono::seconds timeout);
  // Queue, receivers, `workers` workers, and their migrations (60 s at most).
  Status Start(int workers);

  // kill -9; an error when the process had already exited by itself (a crash).
  Status Kill(Tier tier, int index);
  // Starts a process again with the same flags, port and data directory; waits until it listens.
  Status Restart(Tier tier, int index);
  Status KillAndRestart(Tier tier, int index, std::chrono::milliseconds downtime);
  Status Freeze(Tier tier, int index);  // SIGSTOP
  Status Thaw(Tier tier, int index);    // SIGCONT
  // Stops PostgreSQL (fast: clean; immediate: like a crash), waits `downtime`, starts it again;
  // an error when it does not come back on the same port (the workers' --db names it).
  Status RestartPostgres(TestPostgres::StopMode mode, std::chrono::milliseconds downtime);
  // Processes that exited without being killed (crashes) since the last call, as
  // "worker-1 (exit code 134)"; each is started again so that a run can go on.
  std::vector<std::string> RestartCrashed();
  // SIGTERM to the simulator, the workers, the receivers and the queue, in that order, so that
  // each finishes cleanly; frozen ones are thawed first.
  void StopAll();

  // Starts roadsense-sim against all receivers with --fleet-id, --api-key-file, --verify --db
  // --queue-url and --out <dir>/sim.json; `flags` (load shape, seed, timeouts) are appended.
  void StartSimulator(const std::vector<std::string>& flags);
  // The simulator's exit code, or -1 while it still runs after `timeout`.
  int WaitSimulator(std::chrono::milliseconds timeout);

  // sum(tile_stats.reports), or -1 when PostgreSQL does not answer (or has no tile_stats yet).
  int64_t ReportsInDatabase();
  bool WaitForReportsInDatabase(int64_t at_least, std::chrono::seconds timeout);
  // ApproximateNumberOfMessages + NotVisible of the queue, or -1 when it does not answer.
  int64_t QueueBacklog();
  // One valid upload of one report, authenticated, straight to receiver 0. The report was observed
  // two days ago and far from the simulated area: outside the buckets the simulator verifies, so
  // a probe that is stored does not disturb its exact totals.
  Result<net::HttpResponse> UploadOne(std::chrono::milliseconds timeout);

  // The simulator's results JSON ("" before it wrote them).
  std::string Results() const;
  // The simulator's last progress line and the lines stating its verification outcome.
  std::string VerifySummary() const;
  // The last 6,000 bytes of every process's log, under a "--- name" line each.
  std::string Logs() const;

  // These throw std::out_of_range for a process that was not started.
  ChildProcess& queue() { return Get(Tier::kQueue, 0).child; }
  ChildProcess& receiver(int i) { return Get(Tier::kReceiver, i).child; }
  ChildProcess& worker(int i) { return Get(Tier::kWorker, i).child; }
  int worker_count() const { return static_cast<int>(workers_.size()); }
  ChildProcess& simulator() { return simulator_; }
  TestPostgres& postgres() { return postgres_; }
  std::string queue_url() const;
  std::string receiver_targets() const;  // "http://127.0.0.1:P1,http://127.0.0.1:P2"
  std::string db() const { return postgres_.ConnectionString(); }
  std::string api_key_file() const { return dir_ + "/api-key"; }
  std::string results_path() const { return dir_ + "/sim.json"; }
  const std::string& fleet_id() const { return options_.fleet_id; }
  const std::string& dir() const { return dir_; }

 private:
  struct Process {
    std::string name;  // log file stem: "queue", "receiver-0", "worker-2"
    std::vector<std::string> argv;
    int port = 0;  // 0: nothing to wait for (workers)
    bool frozen = false;
    bool killed = false;  // by Kill() or StopAll(), not by itself
    ChildProcess child;
  };
  Status StartProcess(Process& p);
  Process* At(Tier tier, int index);        // nullptr when there is no such process
  Process& Get(Tier tier, int index);       // throws std::out_of_range when there is none
  std::vector<Process*> Processes() const;  // queue, receivers, workers

  LocalPipelineOptions options_;
  std::optional<TempDir> own_dir_;  // when options.dir was empty
  std::string dir_;
  TestPostgres postgres_;
  int queue_port_;
  std::unique_ptr<Process> queue_;
  std::vector<std::unique_ptr<Process>> receivers_, workers_;
  ChildProcess simulator_;
  uint64_t upload_sequence_ = 0;
};

}  // namespace roadsense::testing
