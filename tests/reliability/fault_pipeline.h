// FaultPipeline: the whole pipeline as real processes — PostgreSQL, roadsense-queue, one
// roadsense-receiver (with a keys file), roadsense-workers and the simulator — for tests that
// inject one fault (PostgreSQL down, queue killed or frozen) while the simulator sends, then let
// the simulator's --verify prove that nothing acknowledged was lost or counted twice.
//
// The queue can be killed and restarted on the same port and data directory. Logs of every
// process are kept in the pipeline's temp dir; Logs() gathers them for a failing assertion.
// Not thread-safe. The destructor kills what still runs.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "net/http_message.h"
#include "tests/support/child_process.h"
#include "tests/support/test_postgres.h"

namespace roadsense::testing {

// Seconds from the environment variable `name` (e.g. ROADSENSE_FAULT_SECONDS, which scripts/faults
// sets for the long runs), else `fallback`.
int SecondsFromEnvironment(const char* name, int fallback);

class FaultPipeline {
 public:
  FaultPipeline();
  ~FaultPipeline();
  FaultPipeline(const FaultPipeline&) = delete;
  FaultPipeline& operator=(const FaultPipeline&) = delete;

  // Starts the queue and the receiver (waits until both listen); false with the logs in *why.
  bool StartQueueAndReceiver(std::string* why);
  void StartQueue();   // again after KillQueue(): same port, same data directory
  void KillQueue();    // kill -9
  void FreezeQueue();  // SIGSTOP: the port stays open, nothing answers
  void ThawQueue();    // SIGCONT
  void StartWorkers(int count);

  // Starts roadsense-sim open loop at `reports_per_second` for `seconds`, with --verify against
  // PostgreSQL and the queue; `extra` is appended to its flags.
  void StartSimulator(int reports_per_second, int seconds, std::vector<std::string> extra = {});
  // Waits for the simulator to exit; its exit code (-1 on timeout).
  int WaitSimulator(std::chrono::seconds timeout);

  // sum(tile_stats.reports), or -1 when PostgreSQL does not answer.
  int64_t ReportsInDatabase();
  bool WaitForReportsInDatabase(int64_t at_least, std::chrono::seconds timeout);
  // ApproximateNumberOfMessages + NotVisible of the queue, or -1 when it does not answer.
  int64_t QueueBacklog();
  // One valid upload of one report, authenticated, straight to the receiver.
  Result<net::HttpResponse> UploadOne(std::chrono::milliseconds timeout);

  TestPostgres& postgres() { return pg_; }
  ChildProcess& queue() { return queue_; }
  ChildProcess& receiver() { return receiver_; }
  ChildProcess& worker(int i) { return *workers_[static_cast<size_t>(i)]; }
  int worker_count() const { return static_cast<int>(workers_.size()); }
  ChildProcess& simulator() { return sim_; }
  const std::string& dir() const { return dir_.path(); }
  // The simulator's results JSON (--out).
  std::string Results() const;
  // The simulator's log lines that state the verification outcome (exact totals, verify: ...).
  std::string VerifySummary() const;
  std::string Logs() const;

 private:
  TempDir dir_;
  TestPostgres pg_;
  int queue_port_ = FreePort();
  int receiver_port_ = FreePort();
  std::string queue_url_;
  ChildProcess queue_, receiver_, sim_;
  std::vector<std::unique_ptr<ChildProcess>> workers_;
  uint64_t upload_sequence_ = 0;
};

}  // namespace roadsense::testing
