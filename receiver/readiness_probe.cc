#include "receiver/readiness_probe.h"

#include <spdlog/spdlog.h>

#include <string>

namespace roadsense::receiver {

ReadinessProbe::ReadinessProbe(Check check, std::chrono::milliseconds interval)
    : check_(std::move(check)), interval_(interval), thread_([this] { Run(); }) {}

ReadinessProbe::~ReadinessProbe() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

Status ReadinessProbe::Current() const {
  std::lock_guard lock(mu_);
  if (!last_) return Unavailable("the queue has not been checked yet");
  if (!last_->ok()) return *last_;
  const auto age = Clock::now() - *last_ok_;
  if (age > 3 * interval_) {
    return Unavailable(
        "the queue has not answered a check for " +
        std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(age).count()) + " ms");
  }
  return Status::Ok();
}

bool ReadinessProbe::QueueDown() const {
  {
    std::lock_guard lock(mu_);
    if (!last_) return false;
  }
  return !Current().ok();
}

void ReadinessProbe::Run() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    lock.unlock();
    Status status = check_();
    const auto now = Clock::now();
    lock.lock();
    // Log transitions only: a down queue must not flood the log.
    const bool was_ok = last_ && last_->ok();
    if (status.ok() != was_ok) {
      if (status.ok()) {
        spdlog::info("readiness: the queue is reachable");
      } else {
        spdlog::warn("readiness: the queue is not reachable: {}", status.ToString());
      }
    }
    if (status.ok()) last_ok_ = now;
    last_ = std::move(status);
    cv_.wait_for(lock, interval_, [this] { return stop_; });
  }
}

}  // namespace roadsense::receiver
