#include "chaos/chaos_schedule.h"

#include <algorithm>
#include <cstdio>

namespace roadsense::chaos {
namespace {

// SplitMix64: tiny, seedable, and the same numbers on every platform (std:: distributions are
// not specified bit for bit, and the schedule of a seed must not change between machines).
class SplitMix {
 public:
  explicit SplitMix(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  double Unit() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }  // [0, 1)
  int Below(int n) { return n <= 0 ? 0 : static_cast<int>(Next() % static_cast<uint64_t>(n)); }

 private:
  uint64_t state_;
};

}  // namespace

const char* ComponentName(Component c) {
  switch (c) {
    case Component::kQueue:
      return "queue";
    case Component::kReceiver:
      return "receiver";
    case Component::kWorker:
      return "worker";
    case Component::kPostgres:
      return "postgres";
  }
  return "?";
}

std::vector<ChaosEvent> ChaosSchedule::Make(const ScheduleOptions& o) {
  SplitMix rng(o.seed);
  std::vector<Component> order;
  order.insert(order.end(), std::max(0, o.queue_kills), Component::kQueue);
  order.insert(order.end(), std::max(0, o.receiver_kills), Component::kReceiver);
  order.insert(order.end(), std::max(0, o.worker_kills), Component::kWorker);
  order.insert(order.end(), std::max(0, o.postgres_restarts), Component::kPostgres);
  // Fisher–Yates with our own generator (std::shuffle's use of it is unspecified).
  for (size_t i = order.size(); i > 1; --i) {
    std::swap(order[i - 1], order[static_cast<size_t>(rng.Below(static_cast<int>(i)))]);
  }
  // Receiver and worker indexes: rounds of a shuffled 0..n-1, so that with at least n kills every
  // instance is killed at least once.
  auto rounds = [&rng](int kills, int n) {
    std::vector<int> out;
    while (static_cast<int>(out.size()) < kills && n > 0) {
      std::vector<int> round(static_cast<size_t>(n));
      for (int i = 0; i < n; ++i) round[static_cast<size_t>(i)] = i;
      for (size_t i = round.size(); i > 1; --i) {
        std::swap(round[i - 1], round[static_cast<size_t>(rng.Below(static_cast<int>(i)))]);
      }
      out.insert(out.end(), round.begin(), round.end());
    }
    return out;
  };
  const std::vector<int> receiver_index = rounds(o.receiver_kills, o.receivers);
  const std::vector<int> worker_index = rounds(o.worker_kills, o.workers);
  size_t next_receiver = 0, next_worker = 0;
  // PostgreSQL alternates between fast and immediate stops, starting with a seeded one.
  bool immediate = (rng.Next() & 1) != 0;
  std::vector<ChaosEvent> events;
  const double slot = order.empty() ? 0 : (o.end - o.begin) / static_cast<double>(order.size());
  for (size_t i = 0; i < order.size(); ++i) {
    ChaosEvent e;
    e.component = order[i];
    e.at_fraction = o.begin + slot * (static_cast<double>(i) + rng.Unit());
    e.downtime = std::chrono::milliseconds(
        static_cast<int64_t>(rng.Unit() * static_cast<double>(o.max_downtime.count())));
    if (e.component == Component::kReceiver) e.index = receiver_index[next_receiver++];
    if (e.component == Component::kWorker) e.index = worker_index[next_worker++];
    if (e.component == Component::kPostgres) {
      e.immediate = immediate;
      immediate = !immediate;
    }
    events.push_back(e);
  }
  return events;  // sorted: slot i precedes slot i + 1
}

std::string ChaosSchedule::Describe(const ChaosEvent& e) {
  std::string who = ComponentName(e.component);
  if (e.component == Component::kReceiver || e.component == Component::kWorker) {
    who += " " + std::to_string(e.index);
  }
  if (e.component == Component::kPostgres) who += e.immediate ? " (immediate)" : " (fast)";
  char buf[128];
  std::snprintf(buf, sizeof buf, "%s at %.1f %%, down %lld ms", who.c_str(), e.at_fraction * 100,
                static_cast<long long>(e.downtime.count()));
  return buf;
}

}  // namespace roadsense::chaos
