#include "tiles/db_pool.h"

#include <spdlog/spdlog.h>

#include <optional>
#include <pqxx/except>

namespace roadsense::tiles {

DbPool::DbPool(std::string conninfo, int connections, size_t max_queue, OnConnect on_connect)
    : conninfo_(std::move(conninfo)), max_queue_(max_queue), on_connect_(std::move(on_connect)) {
  for (int i = 0; i < std::max(connections, 1); ++i) threads_.emplace_back([this] { Run(); });
}

DbPool::~DbPool() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (std::thread& t : threads_) t.join();
}

bool DbPool::Submit(Job job) {
  {
    std::lock_guard lock(mu_);
    if (stopping_ || jobs_.size() >= max_queue_) return false;
    jobs_.push_back(std::move(job));
  }
  cv_.notify_one();
  return true;
}

size_t DbPool::queued() const {
  std::lock_guard lock(mu_);
  return jobs_.size();
}

void DbPool::Run() {
  std::unique_ptr<pqxx::connection> connection;
  std::optional<std::chrono::steady_clock::time_point> last_failure;
  while (true) {
    Job job;
    bool stopping = false;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (jobs_.empty()) return;
      job = std::move(jobs_.front());
      jobs_.pop_front();
      stopping = stopping_;
    }
    // While the database is down, do not spend every job's time on a new connection attempt:
    // one attempt per thread and 200 ms.
    const auto now = std::chrono::steady_clock::now();
    if (!connection && !stopping &&
        (!last_failure || now - *last_failure > std::chrono::milliseconds(200))) {
      try {
        connection = std::make_unique<pqxx::connection>(conninfo_);
        if (on_connect_) on_connect_(*connection);
        connected_.store(true, std::memory_order_relaxed);
      } catch (const std::exception& e) {
        connection.reset();
        last_failure = now;
        connected_.store(false, std::memory_order_relaxed);
        spdlog::warn("database connection failed: {}", e.what());
      }
    }
    try {
      job(connection.get());
    } catch (const pqxx::broken_connection& e) {
      spdlog::warn("database connection lost: {}", e.what());
      connection.reset();
      connected_.store(false, std::memory_order_relaxed);
    } catch (const std::exception& e) {
      spdlog::error("database job failed: {}", e.what());
    }
    // Jobs catch their own errors to answer the client; a connection they found broken is closed.
    if (connection && !connection->is_open()) {
      connection.reset();
      connected_.store(false, std::memory_order_relaxed);
    }
  }
}

}  // namespace roadsense::tiles
