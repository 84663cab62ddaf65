#include "bench/peers/process_tree.h"

#include <dirent.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>

namespace roadsense::bench {
namespace {

// The fields after "pid (comm) " of /proc/<pid>/stat (comm may contain spaces and ')').
std::vector<std::string> StatFields(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  const std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto close = stat.rfind(')');
  std::vector<std::string> fields;
  if (close == std::string::npos || close + 2 > stat.size()) return fields;
  std::stringstream words(stat.substr(close + 2));
  for (std::string w; words >> w;) fields.push_back(w);
  return fields;
}

}  // namespace

ProcessTree ProcessTree::Of(pid_t root) {
  std::multimap<pid_t, pid_t> children;  // parent -> child
  if (DIR* proc = opendir("/proc")) {
    while (dirent* entry = readdir(proc)) {
      const pid_t pid = static_cast<pid_t>(std::atoi(entry->d_name));
      if (pid <= 0) continue;
      const auto fields = StatFields(pid);  // fields[0] is state, fields[1] the parent pid
      if (fields.size() > 1)
        children.emplace(static_cast<pid_t>(std::atoi(fields[1].c_str())), pid);
    }
    closedir(proc);
  }
  ProcessTree tree;
  if (root <= 0) return tree;
  tree.pids_.push_back(root);
  for (size_t i = 0; i < tree.pids_.size(); ++i) {
    auto [begin, end] = children.equal_range(tree.pids_[i]);
    for (auto it = begin; it != end; ++it) tree.pids_.push_back(it->second);
  }
  return tree;
}

double ProcessTree::CpuSeconds() const {
  uint64_t ticks = 0;
  for (pid_t pid : pids_) {
    const auto fields = StatFields(pid);
    // utime, stime, cutime, cstime are fields 14..17 of the whole line, i.e. [11]..[14] here.
    // cutime/cstime hold children that exited and were reaped (a Redis AOF rewrite, a finished
    // backend), so CPU of processes that end inside a window still counts.
    if (fields.size() > 14) {
      for (int i = 11; i <= 14; ++i) ticks += std::stoull(fields[static_cast<size_t>(i)]);
    }
  }
  return static_cast<double>(ticks) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

}  // namespace roadsense::bench
