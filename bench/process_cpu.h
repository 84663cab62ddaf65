// ProcessCpuSeconds: CPU time a process has used so far (utime + stime of all its threads), in
// seconds, from /proc/<pid>/stat — differences of two calls give its CPU in between. nullopt when
// the process is gone or the file cannot be read. Used by the benchmarks that report CPU per unit
// of work of a server they started or connected to.
#pragma once

#include <sys/types.h>

#include <optional>

namespace roadsense::bench {

std::optional<double> ProcessCpuSeconds(pid_t pid);

}  // namespace roadsense::bench
