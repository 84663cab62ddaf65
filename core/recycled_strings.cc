#include "core/recycled_strings.h"

#include <array>
#include <utility>

namespace roadsense {
namespace {

struct Kept {
  std::array<std::string, kMaxRecycledStrings> strings;
  size_t count = 0;
};

Kept& ThisThread() {
  thread_local Kept kept;
  return kept;
}

}  // namespace

std::string TakeRecycledString() {
  Kept& kept = ThisThread();
  if (kept.count == 0) return std::string();
  std::string out = std::move(kept.strings[--kept.count]);
  out.clear();
  return out;
}

void RecycleString(std::string&& buffer) {
  std::string taken = std::move(buffer);
  buffer.clear();  // a moved-from string is valid but unspecified: make it empty as promised
  Kept& kept = ThisThread();
  if (kept.count == kMaxRecycledStrings || taken.capacity() < kMinRecycledCapacity ||
      taken.capacity() > kMaxRecycledCapacity) {
    return;
  }
  kept.strings[kept.count++] = std::move(taken);
}

}  // namespace roadsense
