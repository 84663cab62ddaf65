// Logging setup shared by every binary: spdlog to stderr, one line per event,
// "2026-11-25T15:00:00.123Z level [program] message". Thread-safe after InitLogging().
#pragma once

#include <string>

namespace roadsense {

// level: trace, debug, info, warn, error. Unknown levels fall back to info.
void InitLogging(const std::string& program, const std::string& level);

}  // namespace roadsense
