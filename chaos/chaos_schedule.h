// ChaosSchedule: the seeded list of faults a chaos run injects, and when.
//
// Each event kills one component without warning (SIGKILL; PostgreSQL: `pg-cluster stop` in fast
// or immediate mode) and restarts it after `downtime`. Events are placed by the run's progress —
// the fraction of uploads acknowledged — not by wall time, so the same seed hits the same phase of
// the run on a fast or a loaded machine. The span [begin, end] is cut into one slot per event,
// the components are shuffled over the slots, and each event lands at a random point of its slot:
// faults are spread over the whole run and never bunch up. Receivers and workers are picked in
// shuffled rounds, so that as many kills as instances hit every instance. A pure function of its
// options.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace roadsense::chaos {

enum class Component { kQueue, kReceiver, kWorker, kPostgres };
const char* ComponentName(Component c);  // "queue", "receiver", "worker", "postgres"

struct ChaosEvent {
  double at_fraction = 0;  // of the uploads acknowledged, in [begin, end]
  Component component = Component::kWorker;
  int index = 0;                          // which receiver / worker (0 for queue and PostgreSQL)
  std::chrono::milliseconds downtime{0};  // between the kill and the restart
  bool immediate = false;                 // PostgreSQL: immediate (crash-like) instead of fast stop
};

struct ScheduleOptions {
  uint64_t seed = 1;
  int queue_kills = 3;
  int receiver_kills = 3;
  int worker_kills = 5;
  int postgres_restarts = 2;
  int receivers = 2;  // receiver indexes are 0..receivers-1
  int workers = 3;
  double begin = 0.05, end = 0.85;  // progress span the events are spread over
  std::chrono::milliseconds max_downtime{2000};
};

class ChaosSchedule {
 public:
  // Events sorted by at_fraction. Requires receivers, workers >= 1 and 0 <= begin <= end <= 1.
  static std::vector<ChaosEvent> Make(const ScheduleOptions& options);
  // "worker 2 at 41.3 %, down 730 ms" (PostgreSQL: "postgres (immediate) at ...").
  static std::string Describe(const ChaosEvent& event);
};

}  // namespace roadsense::chaos
