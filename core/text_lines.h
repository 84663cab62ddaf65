// Line-oriented text files (keys files, credentials files): lines and blank-separated fields.
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <functional>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace roadsense {

// Calls `visit` with each line of `text` (1-based number, without "\n" or "\r\n"), stopping at and
// returning the first non-OK status `visit` returns.
Status ForEachLine(std::string_view text,
                   const std::function<Status(size_t number, std::string_view line)>& visit);

// The fields of `line` separated by spaces and tabs; views into `line`.
std::vector<std::string_view> SplitFields(std::string_view line);

}  // namespace roadsense
