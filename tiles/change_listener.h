// ChangeListener: a thread that LISTENs on `tiles_changed` (db/tiles_changed.md) and hands every
// payload to `on_payload` as it is delivered (at the writer's commit).
//
// PostgreSQL does not keep notifications for absent listeners, so after every (re)connection
// `on_resync` runs before any payload: whatever the caller derived from earlier notifications
// (a cache) may be stale. While the database is unreachable the thread retries every second.
//
// Threading: callbacks run on the listener thread. The destructor stops and joins it (within
// ~200 ms).
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <thread>

namespace roadsense::tiles {

class ChangeListener {
 public:
  using OnPayload = std::function<void(const std::string& payload)>;
  using OnResync = std::function<void()>;

  ChangeListener(std::string conninfo, OnPayload on_payload, OnResync on_resync);
  ~ChangeListener();
  ChangeListener(const ChangeListener&) = delete;
  ChangeListener& operator=(const ChangeListener&) = delete;

  // True while LISTEN is active on a live connection.
  bool listening() const { return listening_.load(std::memory_order_relaxed); }

 private:
  void Run();

  const std::string conninfo_;
  const OnPayload on_payload_;
  const OnResync on_resync_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> listening_{false};
  std::thread thread_;
};

}  // namespace roadsense::tiles
