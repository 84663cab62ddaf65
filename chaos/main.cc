// roadsense-chaos: proves "nothing acknowledged is lost, nothing double-counted" under kill -9.
// Starts the whole pipeline as real processes (LocalPipeline), runs roadsense-sim --verify
// against all receivers, and while it sends, kills -9 and restarts the queue, receivers and
// workers and restarts PostgreSQL on a seeded schedule (ChaosSchedule). Prints the kills, the
// simulator's figures and its verification; exits 0 only when every fault was injected, nothing
// crashed by itself and the verification passed exactly. See chaos/README.md.
#include <spdlog/spdlog.h>
#include <stdlib.h>

#include <boost/json.hpp>
#include <cinttypes>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <regex>

#include "chaos/chaos_schedule.h"
#include "core/flag_set.h"
#include "core/logging.h"
#include "core/termination_signal.h"
#include "tests/support/local_pipeline.h"

namespace roadsense::chaos {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using testing::LocalPipeline;
using testing::Tier;

constexpr int kReportsPerBatch = 50;  // the simulator's default, for the progress fraction

struct Flags {
  int64_t reports = 1'000'000;
  int64_t seed = 1;
  int receivers = 2;
  int workers = 3;
  int queue_kills = 3;
  int receiver_kills = 3;
  int worker_kills = 5;
  int postgres_restarts = 2;
  int64_t max_downtime_ms = 2000;
  double rate = 10000;
  int vehicles = 200;
  int verify_timeout_s = 300;
  std::string out;
  std::string work_dir;
  bool keep = false;
  std::string log_level = "info";
};

// Uploads acknowledged so far, from the simulator's last progress line ("uploads sent S acked A").
int64_t AckedUploads(const std::string& sim_log) {
  static const std::regex kProgress(R"(uploads sent \d+ acked (\d+))");
  int64_t acked = 0;
  for (auto it = std::sregex_iterator(sim_log.begin(), sim_log.end(), kProgress);
       it != std::sregex_iterator(); ++it) {
    acked = std::stoll((*it)[1].str());
  }
  return acked;
}

int64_t IntAt(const boost::json::value& v, std::initializer_list<const char*> path) {
  const boost::json::value* cur = &v;
  for (const char* key : path) {
    const auto* obj = cur->if_object();
    if (obj == nullptr || !obj->contains(key)) return -1;
    cur = &obj->at(key);
  }
  if (cur->is_int64()) return cur->as_int64();
  if (cur->is_uint64()) return static_cast<int64_t>(cur->as_uint64());
  return -1;
}

std::string StringAt(const boost::json::value& v, std::initializer_list<const char*> path) {
  const boost::json::value* cur = &v;
  for (const char* key : path) {
    const auto* obj = cur->if_object();
    if (obj == nullptr || !obj->contains(key)) return "";
    cur = &obj->at(key);
  }
  return cur->is_string() ? std::string(cur->as_string()) : "";
}

bool BoolAt(const boost::json::value& v, std::initializer_list<const char*> path) {
  const boost::json::value* cur = &v;
  for (const char* key : path) {
    const auto* obj = cur->if_object();
    if (obj == nullptr || !obj->contains(key)) return false;
    cur = &obj->at(key);
  }
  return cur->is_bool() && cur->as_bool();
}

// The event's fault: kill -9 and restart of a process after its downtime, or a PostgreSQL stop
// (fast or immediate) and start. An error when the process had already exited by itself (a crash
// the chaos found) or does not come back.
Status Inject(LocalPipeline& pipeline, const ChaosEvent& e) {
  switch (e.component) {
    case Component::kQueue:
      return pipeline.KillAndRestart(Tier::kQueue, 0, e.downtime);
    case Component::kReceiver:
      return pipeline.KillAndRestart(Tier::kReceiver, e.index, e.downtime);
    case Component::kWorker:
      return pipeline.KillAndRestart(Tier::kWorker, e.index, e.downtime);
    case Component::kPostgres:
      return pipeline.RestartPostgres(e.immediate ? testing::TestPostgres::StopMode::kImmediate
                                                  : testing::TestPostgres::StopMode::kFast,
                                      e.downtime);
  }
  return InvalidArgument("unknown component");
}

struct InjectedEvent {
  ChaosEvent event;
  double t_s = 0;       // since the simulator started
  double progress = 0;  // acknowledged fraction when it fired
  std::string error;    // empty: killed and back
};

int Run(const Flags& f) {
  ScheduleOptions so;
  so.seed = static_cast<uint64_t>(f.seed);
  so.queue_kills = f.queue_kills;
  so.receiver_kills = f.receiver_kills;
  so.worker_kills = f.worker_kills;
  so.postgres_restarts = f.postgres_restarts;
  so.receivers = f.receivers;
  so.workers = f.workers;
  so.max_downtime = std::chrono::milliseconds(f.max_downtime_ms);
  const std::vector<ChaosEvent> schedule = ChaosSchedule::Make(so);

  std::string dir = f.work_dir;
  if (dir.empty()) {
    std::string tmpl = "/tmp/roadsense-chaos-XXXXXX";
    if (mkdtemp(tmpl.data()) == nullptr) {
      spdlog::error("cannot create a work directory in /tmp");
      return 1;
    }
    dir = tmpl;
  } else {
    std::filesystem::create_directories(dir);
  }
  spdlog::info("work directory {} (process logs)", dir);
  spdlog::info("seed {}: {} faults", f.seed, schedule.size());
  for (const ChaosEvent& e : schedule) spdlog::info("  planned: {}", ChaosSchedule::Describe(e));

  testing::LocalPipelineOptions po;
  po.dir = dir;
  po.receivers = f.receivers;
  po.queue_name = "chaos-reports";
  po.fleet_id = "chaos-fleet";
  po.api_key = "chaos-secret";
  po.worker_visibility_timeout_s = 5;  // how soon a killed worker's messages come back
  po.receiver_flags = {"--threads", "2"};
  std::unique_ptr<LocalPipeline> pipeline;
  try {
    pipeline = std::make_unique<LocalPipeline>(po);
  } catch (const std::exception& e) {
    spdlog::error("PostgreSQL: {}", e.what());
    return 1;
  }
  if (Status s = pipeline->Start(f.workers); !s.ok()) {
    spdlog::error("pipeline start: {}", s.ToString());
    return 1;
  }
  spdlog::info("pipeline up: queue {}, receivers {}, {} workers, PostgreSQL {}",
               pipeline->queue_url(), pipeline->receiver_targets(), f.workers, pipeline->db());

  std::vector<std::string> sim_flags = {"--reports",
                                        std::to_string(f.reports),
                                        "--reports-per-batch",
                                        std::to_string(kReportsPerBatch),
                                        "--vehicles",
                                        std::to_string(f.vehicles),
                                        "--seed",
                                        std::to_string(f.seed),
                                        "--verify-timeout-s",
                                        std::to_string(f.verify_timeout_s)};
  if (f.rate > 0) sim_flags.insert(sim_flags.end(), {"--rate", std::to_string(f.rate)});
  pipeline->StartSimulator(sim_flags);
  const auto started = Clock::now();
  const int64_t total_uploads = (f.reports + kReportsPerBatch - 1) / kReportsPerBatch;

  std::vector<InjectedEvent> injected;
  std::vector<std::string> crashes;
  bool interrupted = false;
  size_t next = 0;
  bool sending_done = false;
  int sim_exit = -1;
  while (true) {
    if (TerminationSignalWithin(100ms)) {
      interrupted = true;
      break;
    }
    sim_exit = pipeline->WaitSimulator(0ms);  // -1 while it runs
    for (std::string& name : pipeline->RestartCrashed()) crashes.push_back(std::move(name));
    if (sim_exit != -1) break;
    if (next >= schedule.size()) continue;
    const std::string sim_log = pipeline->simulator().ReadLog();
    const double progress =
        static_cast<double>(AckedUploads(sim_log)) / static_cast<double>(total_uploads);
    if (!sending_done && sim_log.find("sending done:") != std::string::npos) {
      // Faults belong to the sending: once the simulator verifies, a PostgreSQL restart would
      // fail its final snapshot for reasons that have nothing to do with lost reports.
      sending_done = true;
      spdlog::warn(
          "the simulator finished sending before faults {}..{} (slow restarts, or "
          "--rate too high): they are not injected",
          next + 1, schedule.size());
    }
    if (sending_done || progress < schedule[next].at_fraction) continue;
    InjectedEvent ie;
    ie.event = schedule[next++];
    ie.t_s = std::chrono::duration<double>(Clock::now() - started).count();
    ie.progress = progress;
    spdlog::info("fault {}/{} at {:.1f} s, {:.1f} % acknowledged: {}", next, schedule.size(),
                 ie.t_s, progress * 100, ChaosSchedule::Describe(ie.event));
    if (Status s = Inject(*pipeline, ie.event); !s.ok()) {
      ie.error = s.ToString();
      spdlog::error("fault failed: {}", ie.error);
    }
    injected.push_back(ie);
  }
  if (interrupted) {
    spdlog::warn("interrupted: stopping everything");
    pipeline->StopAll();
    return 1;
  }
  const double elapsed_s = std::chrono::duration<double>(Clock::now() - started).count();
  pipeline->StopAll();

  // Figures.
  std::map<Component, int> kills;
  int failed_faults = 0;
  for (const InjectedEvent& ie : injected) {
    if (ie.error.empty()) {
      ++kills[ie.event.component];
    } else {
      ++failed_faults;
    }
  }
  boost::json::value sim_out;
  try {
    sim_out = boost::json::parse(pipeline->Results());
  } catch (const std::exception&) {
    spdlog::error("no simulator results in {} (see {}/sim.log)", pipeline->results_path(), dir);
  }
  const bool verify_ok = BoolAt(sim_out, {"verify", "ok"});
  const bool exact_ok = BoolAt(sim_out, {"verify", "exact", "ok"});
  const bool all_injected = injected.size() == schedule.size() && failed_faults == 0;
  const bool ok = sim_exit == 0 && verify_ok && exact_ok && all_injected && crashes.empty();

  std::printf("chaos run: seed %" PRId64 ", %" PRId64
              " reports, %d receivers, %d workers, %.1f s\n",
              f.seed, f.reports, f.receivers, f.workers, elapsed_s);
  std::printf("faults injected: %zu of %zu planned (%d failed)\n", injected.size(), schedule.size(),
              failed_faults);
  std::printf("  kill -9 queue %d, receivers %d, workers %d; PostgreSQL restarts %d\n",
              kills[Component::kQueue], kills[Component::kReceiver], kills[Component::kWorker],
              kills[Component::kPostgres]);
  for (const InjectedEvent& ie : injected) {
    std::printf("  %6.1f s  %5.1f %%  %s%s\n", ie.t_s, ie.progress * 100,
                ChaosSchedule::Describe(ie.event).c_str(),
                ie.error.empty() ? "" : ("  FAILED: " + ie.error).c_str());
  }
  std::printf("crashes (exits nobody caused): %zu%s\n", crashes.size(), crashes.empty() ? "" : ":");
  for (const std::string& c : crashes) std::printf("  %s\n", c.c_str());
  std::printf("uploads: sent %" PRId64 ", acknowledged %" PRId64 ", failed %" PRId64
              ", rejected %" PRId64 "\n",
              IntAt(sim_out, {"uploads", "sent"}), IntAt(sim_out, {"uploads", "accepted"}),
              IntAt(sim_out, {"uploads", "failed"}), IntAt(sim_out, {"uploads", "rejected"}));
  std::printf("reports: sent %" PRId64 ", acknowledged %" PRId64 "\n",
              IntAt(sim_out, {"reports", "sent"}), IntAt(sim_out, {"reports", "acked"}));
  std::printf("attempts: %" PRId64 ", retried %" PRId64 ", transport errors %" PRId64 "\n",
              IntAt(sim_out, {"attempts", "total"}), IntAt(sim_out, {"attempts", "retries"}),
              IntAt(sim_out, {"attempts", "transport_errors"}));
  std::printf("verify: %s — %s\n", verify_ok ? "PASS" : "FAIL",
              StringAt(sim_out, {"verify", "message"}).c_str());
  std::printf("  exact totals: %s — expected %" PRId64 " reports, observed %" PRId64 "; %s\n",
              exact_ok ? "PASS" : "FAIL", IntAt(sim_out, {"verify", "expected_reports"}),
              IntAt(sim_out, {"verify", "observed_reports"}),
              StringAt(sim_out, {"verify", "exact", "detail"}).c_str());
  std::printf("simulator exit code %d; logs in %s\n", sim_exit, dir.c_str());
  std::printf("chaos: %s\n", ok ? "OK" : "FAILED");

  if (!f.out.empty()) {
    boost::json::object o;
    o["seed"] = f.seed;
    o["reports"] = f.reports;
    o["receivers"] = f.receivers;
    o["workers"] = f.workers;
    o["elapsed_s"] = elapsed_s;
    o["kills"] = {{"queue", kills[Component::kQueue]},
                  {"receiver", kills[Component::kReceiver]},
                  {"worker", kills[Component::kWorker]},
                  {"postgres_restarts", kills[Component::kPostgres]}};
    boost::json::array events;
    for (const InjectedEvent& ie : injected) {
      events.push_back({{"t_s", ie.t_s},
                        {"progress", ie.progress},
                        {"component", ComponentName(ie.event.component)},
                        {"index", ie.event.index},
                        {"downtime_ms", ie.event.downtime.count()},
                        {"immediate", ie.event.immediate},
                        {"error", ie.error}});
    }
    o["faults"] = std::move(events);
    o["faults_planned"] = schedule.size();
    boost::json::array crashed;
    for (const std::string& c : crashes) crashed.emplace_back(c);
    o["crashes"] = std::move(crashed);
    o["simulator_exit_code"] = sim_exit;
    o["simulator"] = sim_out;
    o["ok"] = ok;
    std::ofstream out(f.out);
    out << boost::json::serialize(o) << "\n";
    if (!out) spdlog::error("cannot write {}", f.out);
  }
  pipeline.reset();  // stops PostgreSQL and removes its directory
  if (ok && !f.keep && f.work_dir.empty()) std::filesystem::remove_all(dir);
  return ok ? 0 : 1;
}

}  // namespace
}  // namespace roadsense::chaos

int main(int argc, char** argv) {
  roadsense::BlockTerminationSignals();
  roadsense::chaos::Flags f;
  roadsense::FlagSet flags("roadsense-chaos",
                           "Runs the whole pipeline (PostgreSQL, queue, receivers, workers) and "
                           "roadsense-sim --verify while kill -9-ing and restarting every "
                           "component on a seeded schedule; exits 0 only if verify passes exactly");
  flags.AddInt("reports", &f.reports, "Reports the simulator sends");
  flags.AddInt("seed", &f.seed, "Seed of the fault schedule and of the simulator");
  flags.AddInt("receivers", &f.receivers,
               "roadsense-receiver processes (the simulator spreads over them)");
  flags.AddInt("workers", &f.workers, "roadsense-worker processes");
  flags.AddInt("queue-kills", &f.queue_kills, "kill -9 + restart of roadsense-queue");
  flags.AddInt("receiver-kills", &f.receiver_kills, "kill -9 + restart of a receiver");
  flags.AddInt("worker-kills", &f.worker_kills, "kill -9 + restart of a worker");
  flags.AddInt("postgres-restarts", &f.postgres_restarts,
               "PostgreSQL stops (fast and immediate alternately) + starts on the same port");
  flags.AddInt("max-downtime-ms", &f.max_downtime_ms,
               "Longest wait between a kill and the restart (each fault draws 0..this)");
  flags.AddDouble("rate", &f.rate,
                  "Simulator open-loop rate in reports/s (0: closed loop, as fast as it goes); "
                  "spreads the faults over a longer run");
  flags.AddInt("vehicles", &f.vehicles, "Simulated vehicles");
  flags.AddInt("verify-timeout-s", &f.verify_timeout_s, "Simulator's --verify-timeout-s");
  flags.AddString("out", &f.out, "Write the figures as JSON to this file");
  flags.AddString("work-dir", &f.work_dir,
                  "Directory for logs and queue data (default: a new /tmp/roadsense-chaos-*, "
                  "removed after a passing run)");
  flags.AddBool("keep", &f.keep, "Keep the work directory after a passing run");
  flags.AddString("log-level", &f.log_level, "trace, debug, info, warn, error");
  flags.ParseOrExit(argc, argv);
  roadsense::InitLogging("roadsense-chaos", f.log_level);
  if (f.reports < 1 || f.receivers < 1 || f.workers < 1 || f.rate < 0 || f.max_downtime_ms < 0 ||
      f.queue_kills < 0 || f.receiver_kills < 0 || f.worker_kills < 0 || f.postgres_restarts < 0) {
    std::cerr << "roadsense-chaos: --reports, --receivers and --workers must be >= 1; counts, "
                 "--rate and --max-downtime-ms >= 0\n";
    return 2;
  }
  return roadsense::chaos::Run(f);
}
