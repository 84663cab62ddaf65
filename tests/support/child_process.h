// ChildProcess: starts a roadsense binary (or any program) for integration tests, and stops it
// with SIGTERM or SIGKILL. Output goes to a log file so that a failing test can print it.
// Not thread-safe. The destructor kills (SIGKILL) a process still running.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace roadsense::testing {

// $ROADSENSE_BIN_DIR/name (CTest sets it), else ./name next to the test binary.
std::string BinaryPath(const std::string& name);
// A TCP port on 127.0.0.1 that was free a moment ago.
int FreePort();
// Polls until a TCP connect to 127.0.0.1:port succeeds or `timeout` passes.
bool WaitForPort(int port, std::chrono::milliseconds timeout);

class ChildProcess {
 public:
  ChildProcess() = default;
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Starts argv[0] with the rest as arguments; stdout and stderr go to `log_path`.
  void Start(const std::vector<std::string>& argv, const std::string& log_path);
  bool running();
  // Sends `sig`; returns the exit status as from waitpid (or -1 if it did not exit in time).
  int Stop(int sig, std::chrono::milliseconds timeout = std::chrono::seconds(20));
  // Waits for the process to exit by itself; returns its exit code (128+signal when signalled),
  // or -1 on timeout (the process is left running).
  int Wait(std::chrono::milliseconds timeout);
  pid_t pid() const { return pid_; }
  const std::string& log_path() const { return log_path_; }
  std::string ReadLog() const;

 private:
  pid_t pid_ = -1;
  std::string log_path_;
};

// A fresh temporary directory, removed (recursively) by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace roadsense::testing
