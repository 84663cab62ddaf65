// TimerThread: runs callbacks at given times on one thread of its own. Used for long-poll
// deadlines and for waking parked receivers when in-flight or delayed messages become visible.
// There is no cancellation: callbacks re-check the state they act on (a late or duplicate wake is
// harmless by design).
//
// Threading: Schedule() is thread-safe. Callbacks run one at a time on the timer thread and must
// not block. Stop() drops callbacks not yet due and joins the thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <queue>
#include <thread>
#include <vector>

namespace roadsense::queue {

class TimerThread {
 public:
  using Clock = std::chrono::steady_clock;

  TimerThread();
  ~TimerThread();  // Stop()s
  TimerThread(const TimerThread&) = delete;
  TimerThread& operator=(const TimerThread&) = delete;

  void Schedule(Clock::time_point when, std::function<void()> callback);
  void Stop();

 private:
  struct Timer {
    Clock::time_point when;
    uint64_t order;  // FIFO among equal times
    std::function<void()> callback;
    bool operator>(const Timer& o) const {
      return when != o.when ? when > o.when : order > o.order;
    }
  };
  void Run();

  std::mutex mu_;
  std::condition_variable cv_;
  std::priority_queue<Timer, std::vector<Timer>, std::greater<>> timers_;  // guarded by mu_
  uint64_t next_order_ = 0;                                                // guarded by mu_
  bool stopping_ = false;                                                  // guarded by mu_
  std::thread thread_;
};

}  // namespace roadsense::queue
