#include "simulator/retry_policy.h"

#include <algorithm>

namespace roadsense::simulator {

bool RetryPolicy::IsRetryableStatus(int status) {
  return status >= 500 || status == 408 || status == 429;
}

std::chrono::milliseconds RetryPolicy::Delay(int retry,
                                             std::optional<std::chrono::milliseconds> retry_after,
                                             Prng& rng) const {
  const int doublings = std::clamp(retry - 1, 0, 30);
  const int64_t ceiling = std::min<int64_t>(initial_.count() << doublings, max_.count());
  const auto half = static_cast<double>(ceiling) / 2;
  auto delay = std::chrono::milliseconds(static_cast<int64_t>(half + rng.Uniform(0, half)));
  if (retry_after && *retry_after > delay) delay = *retry_after;
  return delay;
}

}  // namespace roadsense::simulator
