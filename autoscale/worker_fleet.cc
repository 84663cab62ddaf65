#include "autoscale/worker_fleet.h"

#include <signal.h>
#include <spawn.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <thread>

extern char** environ;

namespace roadsense::autoscale {
namespace {

using std::chrono::milliseconds;

std::string ExitText(int status) {
  if (WIFEXITED(status)) return "exit code " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return std::string("signal ") + strsignal(WTERMSIG(status));
  return "status " + std::to_string(status);
}

}  // namespace

WorkerFleet::WorkerFleet(WorkerFleetOptions options) : options_(std::move(options)) {}

WorkerFleet::~WorkerFleet() { StopAll(std::chrono::seconds(60)); }

int WorkerFleet::metrics_port(int index) const {
  if (options_.metrics_flag.empty() || options_.metrics_port_base <= 0) return 0;
  return options_.metrics_port_base + index;
}

int WorkerFleet::FreeSlotIndex() const {
  for (int i = 0;; ++i) {
    if (std::none_of(slots_.begin(), slots_.end(), [i](const Slot& s) { return s.index == i; })) {
      return i;
    }
  }
}

bool WorkerFleet::Spawn(Slot* slot, Clock::time_point now) {
  std::vector<std::string> args = {options_.worker_binary};
  args.insert(args.end(), options_.worker_args.begin(), options_.worker_args.end());
  if (const int port = metrics_port(slot->index); port > 0) {
    args.push_back("--" + options_.metrics_flag);
    args.push_back("127.0.0.1:" + std::to_string(port));
  }
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::strncmp(*e, "ROADSENSE_CONFIG=", 17) != 0) envp.push_back(*e);
  }
  envp.push_back(nullptr);

  // The autoscaler blocks SIGINT/SIGTERM (core/termination_signal.h) and ignores SIGPIPE; a
  // worker needs both back at their defaults, or it could never be stopped.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t empty, defaults;
  sigemptyset(&empty);
  sigemptyset(&defaults);
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGPIPE}) sigaddset(&defaults, sig);
  posix_spawnattr_setsigmask(&attr, &empty);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  pid_t pid = -1;
  const int err = posix_spawn(&pid, argv[0], nullptr, &attr, argv.data(), envp.data());
  posix_spawnattr_destroy(&attr);
  if (err != 0) {
    spdlog::error("worker slot {}: cannot start {}: {}", slot->index, argv[0], strerror(err));
    return false;
  }
  slot->pid = pid;
  slot->state = State::kRunning;
  slot->started = now;
  spdlog::info("worker slot {}: started pid {}{}", slot->index, pid,
               metrics_port(slot->index) > 0
                   ? " (metrics on 127.0.0.1:" + std::to_string(metrics_port(slot->index)) + ")"
                   : "");
  return true;
}

void WorkerFleet::ScaleTo(int target, Clock::time_point now) {
  while (active() < target) {
    Slot slot;
    slot.index = FreeSlotIndex();
    if (!Spawn(&slot, now)) {
      // Try again after a back-off, like a worker that died at once.
      slot.state = State::kRestartPending;
      slot.young_deaths = 1;
      slot.restart_at = now + milliseconds(500);
    }
    slots_.push_back(slot);
  }
  while (active() > target) {
    // The highest active slot goes first, so the low slots (and their metrics ports) stay.
    auto victim = std::max_element(slots_.begin(), slots_.end(), [](const Slot& a, const Slot& b) {
      const bool a_active = a.state != State::kStopping, b_active = b.state != State::kStopping;
      return a_active != b_active ? !a_active : a.index < b.index;
    });
    if (victim->state == State::kRestartPending) {
      spdlog::info("worker slot {}: not restarted (scaled down)", victim->index);
      slots_.erase(victim);
      continue;
    }
    spdlog::info("worker slot {}: SIGTERM to pid {} (finishes its batch, commits, deletes)",
                 victim->index, victim->pid);
    ::kill(victim->pid, SIGTERM);
    victim->state = State::kStopping;
  }
}

void WorkerFleet::Reap(Clock::time_point now) {
  for (auto it = slots_.begin(); it != slots_.end();) {
    Slot& slot = *it;
    if (slot.state == State::kRestartPending) {
      if (now >= slot.restart_at && Spawn(&slot, now)) ++restarts_;
      ++it;
      continue;
    }
    int status = 0;
    const pid_t r = ::waitpid(slot.pid, &status, WNOHANG);
    if (r != slot.pid) {
      ++it;
      continue;
    }
    if (slot.state == State::kStopping) {
      spdlog::info("worker slot {}: pid {} stopped ({})", slot.index, slot.pid, ExitText(status));
      it = slots_.erase(it);
      continue;
    }
    // Died without being asked: restart, backing off while it keeps dying young.
    slot.young_deaths = now - slot.started < options_.healthy_after ? slot.young_deaths + 1 : 0;
    const milliseconds backoff =
        slot.young_deaths == 0
            ? milliseconds(0)
            : std::min(options_.max_restart_backoff,
                       milliseconds(500) * (1 << std::min(slot.young_deaths - 1, 10)));
    spdlog::warn("worker slot {}: pid {} died ({}); restarting in {} ms", slot.index, slot.pid,
                 ExitText(status), backoff.count());
    slot.state = State::kRestartPending;
    slot.pid = -1;
    slot.restart_at = now + backoff;
    if (backoff.count() == 0 && Spawn(&slot, now)) ++restarts_;
    ++it;
  }
}

void WorkerFleet::StopAll(std::chrono::milliseconds grace) {
  ScaleTo(0, Clock::now());
  const auto deadline = Clock::now() + grace;
  while (!slots_.empty() && Clock::now() < deadline) {
    Reap(Clock::now());
    if (!slots_.empty()) std::this_thread::sleep_for(milliseconds(50));
  }
  for (const Slot& slot : slots_) {
    spdlog::warn("worker slot {}: pid {} did not stop within {} ms; SIGKILL", slot.index, slot.pid,
                 grace.count());
    ::kill(slot.pid, SIGKILL);
    int status = 0;
    ::waitpid(slot.pid, &status, 0);
  }
  slots_.clear();
}

int WorkerFleet::active() const {
  return static_cast<int>(std::count_if(slots_.begin(), slots_.end(),
                                        [](const Slot& s) { return s.state != State::kStopping; }));
}

int WorkerFleet::stopping() const { return static_cast<int>(slots_.size()) - active(); }

std::vector<WorkerEndpoint> WorkerFleet::endpoints() const {
  std::vector<WorkerEndpoint> out;
  for (const Slot& s : slots_) {
    if (s.state == State::kRunning && metrics_port(s.index) > 0) {
      out.push_back({s.pid, metrics_port(s.index)});
    }
  }
  return out;
}

}  // namespace roadsense::autoscale
