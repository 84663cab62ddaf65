#include "queue/timer_thread.h"

namespace roadsense::queue {

TimerThread::TimerThread() : thread_([this] { Run(); }) {}

TimerThread::~TimerThread() { Stop(); }

void TimerThread::Schedule(Clock::time_point when, std::function<void()> callback) {
  bool earliest = false;
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    earliest = timers_.empty() || when < timers_.top().when;
    timers_.push(Timer{when, next_order_++, std::move(callback)});
  }
  if (earliest) cv_.notify_one();
}

void TimerThread::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void TimerThread::Run() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    if (timers_.empty()) {
      cv_.wait(lock);
      continue;
    }
    if (const Clock::time_point due = timers_.top().when; Clock::now() < due) {
      // By value: wait_until keeps reading its deadline while the lock is released, and a
      // Schedule() meanwhile may reallocate the heap that top() refers into.
      cv_.wait_until(lock, due);
      continue;
    }
    // priority_queue::top() is const; the callback is moved out before pop().
    auto callback = std::move(const_cast<Timer&>(timers_.top()).callback);
    timers_.pop();
    lock.unlock();
    callback();
    lock.lock();
  }
}

}  // namespace roadsense::queue
