// StopSignal: a one-way "stop now" flag that sleeping threads can wait on, so back-off sleeps
// end as soon as shutdown starts. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace roadsense::worker {

class StopSignal {
 public:
  void Stop() {
    {
      std::lock_guard lock(mu_);
      stopped_ = true;
    }
    cv_.notify_all();
  }
  bool stopped() const {
    std::lock_guard lock(mu_);
    return stopped_;
  }
  // Sleeps for `d` or until Stop(); returns stopped().
  bool WaitFor(std::chrono::milliseconds d) const {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, d, [this] { return stopped_; });
    return stopped_;
  }

 private:
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  bool stopped_ = false;
};

}  // namespace roadsense::worker
