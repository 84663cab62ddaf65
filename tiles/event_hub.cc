#include "tiles/event_hub.h"

#include <utility>

namespace roadsense::tiles {

EventHub::EventHub(size_t capacity, std::chrono::milliseconds max_wait)
    : capacity_(capacity == 0 ? 1 : capacity),
      max_wait_(max_wait),
      timer_([this] { RunTimer(); }) {}

EventHub::~EventHub() {
  Stop();
  timer_.join();
}

void EventHub::Publish(std::string type, std::string data) {
  std::list<Waiter> ready;
  std::vector<HubEvent> events;
  {
    std::lock_guard lock(mu_);
    ring_.push_back({next_id_++, std::move(type), std::move(data)});
    if (ring_.size() > capacity_) ring_.pop_front();
    ready.swap(waiters_);
  }
  // Every waiter was up to date (else it would not wait), so each gets exactly what it lacks.
  for (Waiter& w : ready) {
    bool missed = false;
    {
      std::lock_guard lock(mu_);
      events = EventsAfterLocked(w.last_id, &missed);
    }
    w.deliver(std::move(events), missed);
  }
}

void EventHub::Wait(uint64_t last_id, Deliver deliver) {
  std::vector<HubEvent> events;
  bool missed = false;
  {
    std::lock_guard lock(mu_);
    events = EventsAfterLocked(last_id, &missed);
    if (events.empty() && !missed && !stopped_) {
      waiters_.push_back({last_id, Clock::now() + max_wait_, std::move(deliver)});
      return;
    }
  }
  deliver(std::move(events), missed);
}

uint64_t EventHub::last_id() const {
  std::lock_guard lock(mu_);
  return next_id_ - 1;
}

size_t EventHub::waiters() const {
  std::lock_guard lock(mu_);
  return waiters_.size();
}

bool EventHub::stopped() const {
  std::lock_guard lock(mu_);
  return stopped_;
}

void EventHub::Stop() {
  std::list<Waiter> ready;
  {
    std::lock_guard lock(mu_);
    stopped_ = true;
    ready.swap(waiters_);
  }
  cv_.notify_all();
  for (Waiter& w : ready) w.deliver({}, false);
}

std::vector<HubEvent> EventHub::EventsAfterLocked(uint64_t last_id, bool* missed) const {
  std::vector<HubEvent> out;
  const uint64_t newest = next_id_ - 1;
  if (last_id > newest) {
    // An id from before a restart of the server: the client's view may be anything.
    *missed = true;
    return out;
  }
  const uint64_t oldest = ring_.empty() ? next_id_ : ring_.front().id;
  *missed = last_id + 1 < oldest && last_id < newest;
  for (const HubEvent& e : ring_) {
    if (e.id > last_id) out.push_back(e);
  }
  return out;
}

void EventHub::RunTimer() {
  std::unique_lock lock(mu_);
  while (!stopped_) {
    cv_.wait_for(lock, std::chrono::milliseconds(100));
    const auto now = Clock::now();
    std::list<Waiter> expired;
    for (auto it = waiters_.begin(); it != waiters_.end();) {
      auto next = std::next(it);
      if (it->deadline <= now) expired.splice(expired.end(), waiters_, it);
      it = next;
    }
    if (expired.empty()) continue;
    lock.unlock();
    for (Waiter& w : expired) w.deliver({}, false);
    lock.lock();
  }
}

}  // namespace roadsense::tiles
