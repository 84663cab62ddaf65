#include "worker/poison_backoff.h"

#include <algorithm>
#include <charconv>
#include <cstdint>

namespace roadsense::worker {

int PoisonBackoffSeconds(const sqs::ReceivedMessage& message, int base_seconds) {
  int64_t count = 1;
  if (auto it = message.attributes.find("ApproximateReceiveCount");
      it != message.attributes.end()) {
    const std::string& v = it->second;
    if (std::from_chars(v.data(), v.data() + v.size(), count).ec != std::errc() || count < 1) {
      count = 1;
    }
  }
  // Doubling stops once past the cap (2^16 × base ≥ 43,200 for any base ≥ 1): no overflow.
  int64_t seconds = std::max(base_seconds, 0);
  for (int64_t i = 1; i < count && seconds > 0 && seconds < kMaxVisibilityTimeoutSeconds; ++i) {
    seconds *= 2;
  }
  return static_cast<int>(std::min<int64_t>(seconds, kMaxVisibilityTimeoutSeconds));
}

}  // namespace roadsense::worker
