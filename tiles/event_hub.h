// EventHub: the recent change events (a ring of the last `capacity`) and the clients waiting for
// the next ones — the state behind GET /v1/events (Server-Sent Events, tiles/events.md).
//
// Each event has an id, increasing by one from 1. Wait(last_id, deliver) calls `deliver` once:
// at once with the events after last_id when there are any, else with the next published event,
// or with nothing after `max_wait` (the HTTP answer then carries only a keep-alive comment). When
// events after last_id have already left the ring, `missed` is true (the client must re-read
// what it shows). `deliver` never runs under the hub's lock; it may run on the publishing
// thread, the timer thread or the caller's.
//
// Threading: thread-safe. The destructor delivers nothing-and-stop to remaining waiters.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <list>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace roadsense::tiles {

struct HubEvent {
  uint64_t id = 0;
  std::string type;  // SSE "event:" field, e.g. "traffic", "hazards", "resync"
  std::string data;  // one line of JSON
};

class EventHub {
 public:
  using Deliver = std::function<void(std::vector<HubEvent> events, bool missed)>;

  EventHub(size_t capacity, std::chrono::milliseconds max_wait);
  ~EventHub();
  EventHub(const EventHub&) = delete;
  EventHub& operator=(const EventHub&) = delete;

  void Publish(std::string type, std::string data);
  void Wait(uint64_t last_id, Deliver deliver);
  // Id of the newest event (0 before the first).
  uint64_t last_id() const;
  size_t waiters() const;
  // True after Stop(): an empty delivery then means "no more events", not "keep-alive".
  bool stopped() const;
  // Answers every waiter (empty) and makes later Wait() calls answer at once.
  void Stop();

 private:
  using Clock = std::chrono::steady_clock;
  struct Waiter {
    uint64_t last_id;
    Clock::time_point deadline;
    Deliver deliver;
  };
  // Events after last_id (lock held); *missed when some have left the ring.
  std::vector<HubEvent> EventsAfterLocked(uint64_t last_id, bool* missed) const;
  void RunTimer();

  const size_t capacity_;
  const std::chrono::milliseconds max_wait_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<HubEvent> ring_;
  uint64_t next_id_ = 1;
  std::list<Waiter> waiters_;
  bool stopped_ = false;
  std::thread timer_;
};

}  // namespace roadsense::tiles
