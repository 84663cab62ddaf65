#include "bench/peers/syscall_fsync_counter.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <thread>

namespace roadsense::bench {

SyscallFsyncCounter::~SyscallFsyncCounter() {
  if (perf_ > 0) (void)Stop();
}

Status SyscallFsyncCounter::Start(const std::vector<pid_t>& pids) {
  if (perf_ > 0) return Internal("SyscallFsyncCounter already started");
  if (pids.empty()) return InvalidArgument("no processes to count");
  std::string pid_list;
  for (pid_t p : pids) pid_list += (pid_list.empty() ? "" : ",") + std::to_string(p);
  out_path_ = (getenv("TMPDIR") ? std::string(getenv("TMPDIR")) : "/tmp") + "/rs-peers-perf-" +
              std::to_string(getpid()) + ".csv";
  std::remove(out_path_.c_str());
  std::vector<std::string> args = {
      "perf", "stat",    "-x", ",",
      "-o",   out_path_, "-e", "syscalls:sys_enter_fsync,syscalls:sys_enter_fdatasync",
      "-p",   pid_list};
  const pid_t child = fork();
  if (child < 0) return IoError("fork failed");
  if (child == 0) {
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    freopen("/dev/null", "w", stderr);
    execvp("perf", argv.data());
    _exit(127);
  }
  perf_ = child;
  // perf needs a moment to attach to every thread; a count that starts a few ms late is fine
  // against windows of seconds, but not one that misses the window entirely.
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  int status = 0;
  if (waitpid(perf_, &status, WNOHANG) == perf_) {
    perf_ = -1;
    return Unavailable(
        "perf stat exited at once (is linux-perf installed, are tracepoints "
        "allowed?)");
  }
  return Status::Ok();
}

Result<uint64_t> SyscallFsyncCounter::Stop() {
  if (perf_ <= 0) return Internal("SyscallFsyncCounter not started");
  kill(perf_, SIGINT);
  int status = 0;
  waitpid(perf_, &status, 0);
  perf_ = -1;
  // CSV lines: "<count>,<unit>,<event>,…"; "<not counted>" when an event could not be read.
  std::ifstream in(out_path_);
  uint64_t total = 0;
  int events = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.find("syscalls:sys_enter_") == std::string::npos) continue;
    const std::string count = line.substr(0, line.find(','));
    if (count.empty() || !std::isdigit(static_cast<unsigned char>(count[0]))) {
      return Unavailable("perf could not count: " + line);
    }
    total += std::stoull(count);
    ++events;
  }
  std::remove(out_path_.c_str());
  if (events != 2) return Unavailable("perf stat printed no counts");
  return total;
}

}  // namespace roadsense::bench
