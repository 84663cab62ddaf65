// ReadinessProbe: answers "is the queue reachable?" for GET /readyz without ever blocking the
// caller. A background thread runs `check` (e.g. a GetQueueAttributes call) right away and then
// every `interval`; Current() returns the cached outcome. The answer is also unavailable when the
// last successful check is older than 3 × interval (a check that hangs on a stuck queue does not
// keep the receiver "ready"), and before the first check finished.
//
// Threading: Current() is thread-safe. The destructor stops and joins the thread (it waits for a
// check in progress to return, so `check` should have a timeout).
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

#include "core/status.h"

namespace roadsense::receiver {

class ReadinessProbe {
 public:
  using Check = std::function<Status()>;

  ReadinessProbe(Check check, std::chrono::milliseconds interval);
  ~ReadinessProbe();
  ReadinessProbe(const ReadinessProbe&) = delete;
  ReadinessProbe& operator=(const ReadinessProbe&) = delete;

  // Ok when the last check succeeded recently enough; else why not (kUnavailable).
  Status Current() const;
  // A check has finished and Current() is not ok: the queue is known to be unreachable (as
  // opposed to not checked yet, right after start).
  bool QueueDown() const;

 private:
  using Clock = std::chrono::steady_clock;
  void Run();

  const Check check_;
  const std::chrono::milliseconds interval_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;                         // guarded by mu_
  std::optional<Status> last_;                // guarded by mu_; empty before the first check
  std::optional<Clock::time_point> last_ok_;  // guarded by mu_
  std::thread thread_;                        // last: starts after the members above exist
};

}  // namespace roadsense::receiver
