// TestPostgres: a throwaway PostgreSQL 15 cluster for integration tests, started through
// scripts/pg-cluster (the same script scripts/demo uses) in a fresh temp dir on a free port.
// As root the cluster runs as the `postgres` user (PostgreSQL refuses root); otherwise as the
// current user. The destructor stops the server and removes the directory. Not thread-safe.
#pragma once

#include <string>

namespace roadsense::testing {

class TestPostgres {
 public:
  // Starts the cluster and creates database `roadsense` owned by role `roadsense`;
  // throws std::runtime_error (with the script's output) when it cannot.
  TestPostgres();
  ~TestPostgres();
  TestPostgres(const TestPostgres&) = delete;
  TestPostgres& operator=(const TestPostgres&) = delete;

  // libpq connection string: "host=127.0.0.1 port=N dbname=roadsense user=roadsense".
  std::string ConnectionString() const;
  int port() const { return port_; }

  // kFast: a clean shutdown; kImmediate: like a crash (no checkpoint; recovery replays the WAL
  // at the next start). Data stays either way.
  enum class StopMode { kFast, kImmediate };
  void Stop(StopMode mode = StopMode::kFast);
  void Start();  // start again on the same port with the same data
  void Restart() {
    Stop();
    Start();
  }

 private:
  std::string dir_;
  int port_ = 0;
  bool running_ = false;
};

}  // namespace roadsense::testing
