#include "bench/process_cpu.h"

#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>

namespace roadsense::bench {

std::optional<double> ProcessCpuSeconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  const std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // Field 2 (comm) may contain spaces and ')'; the fields after its last ')' are space-separated,
  // and utime/stime are fields 14 and 15 overall.
  const auto close = stat.rfind(')');
  if (close == std::string::npos || close + 2 > stat.size()) return std::nullopt;
  std::istringstream fields(stat.substr(close + 2));
  std::string field;
  uint64_t ticks = 0;
  int i = 3;
  for (; i <= 15 && fields >> field; ++i) {
    if (i == 14 || i == 15) ticks += std::stoull(field);
  }
  if (i <= 15) return std::nullopt;  // truncated
  return static_cast<double>(ticks) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

}  // namespace roadsense::bench
