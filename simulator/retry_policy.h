// RetryPolicy: which upload outcomes are retried and how long to wait before the next attempt.
//
// Retried: transport errors (connect, reset, timeout), 5xx, 408 and 429 — the outcomes after
// which the same upload may succeed later. Every other status is final (2xx acknowledged, other
// 4xx rejected). Delays grow exponentially from `initial` to `max` with "equal jitter" (half
// fixed, half random, so retries of many cars spread out but never collapse to zero); a server's
// Retry-After is a lower bound. Thread-safe (const); the caller owns the Prng for the jitter.
#pragma once

#include <chrono>
#include <optional>

#include "simulator/prng.h"

namespace roadsense::simulator {

class RetryPolicy {
 public:
  RetryPolicy(int max_retries, std::chrono::milliseconds initial, std::chrono::milliseconds max)
      : max_retries_(max_retries), initial_(initial), max_(max) {}

  static bool IsRetryableStatus(int status);
  static bool IsSuccess(int status) { return status >= 200 && status < 300; }

  int max_retries() const { return max_retries_; }
  // Wait before retry number `retry` (1 = the first retry).
  std::chrono::milliseconds Delay(int retry, std::optional<std::chrono::milliseconds> retry_after,
                                  Prng& rng) const;

 private:
  int max_retries_;
  std::chrono::milliseconds initial_;
  std::chrono::milliseconds max_;
};

}  // namespace roadsense::simulator
