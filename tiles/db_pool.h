// DbPool: a fixed set of PostgreSQL connections, each owned by one thread that runs submitted
// jobs — so HTTP I/O threads never block on the database.
//
// A job gets its thread's connection (connected on demand with `on_connect` run once per new
// connection, e.g. to prepare statements), or nullptr when the database cannot be reached (the
// job answers 503). A job that lets pqxx::broken_connection escape makes the pool reconnect
// before the next job; other exceptions are logged. Submit() refuses jobs beyond `max_queue`
// waiting ones (overload: the caller answers 503 at once instead of queueing without bound).
//
// Threading: Submit() is thread-safe. The destructor runs the jobs still queued (with nullptr
// when stopping) and joins the threads.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <pqxx/connection>
#include <string>
#include <thread>
#include <vector>

namespace roadsense::tiles {

class DbPool {
 public:
  using Job = std::function<void(pqxx::connection* connection)>;
  using OnConnect = std::function<void(pqxx::connection& connection)>;

  DbPool(std::string conninfo, int connections, size_t max_queue, OnConnect on_connect);
  ~DbPool();
  DbPool(const DbPool&) = delete;
  DbPool& operator=(const DbPool&) = delete;

  // False (job not run) when max_queue jobs are already waiting or the pool is stopping.
  bool Submit(Job job);
  size_t queued() const;
  // True when the last connection attempt or job on any connection succeeded.
  bool connected() const { return connected_.load(std::memory_order_relaxed); }

 private:
  void Run();

  const std::string conninfo_;
  const size_t max_queue_;
  const OnConnect on_connect_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> jobs_;
  bool stopping_ = false;
  std::atomic<bool> connected_{false};
  std::vector<std::thread> threads_;
};

}  // namespace roadsense::tiles
