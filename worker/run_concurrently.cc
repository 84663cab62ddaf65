#include "worker/run_concurrently.h"

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

namespace roadsense::worker {

void RunConcurrently(size_t count, size_t width, const std::function<void(size_t)>& task) {
  std::atomic<size_t> next{0};
  auto drain = [&] {
    for (size_t i = next.fetch_add(1); i < count; i = next.fetch_add(1)) task(i);
  };
  // Threads per call, not a pool: a poll loop calls this a few times per transaction (thousands
  // of messages), so starting a thread costs nothing next to the requests it overlaps.
  std::vector<std::thread> helpers;
  const size_t threads = std::min(std::max<size_t>(width, 1), count);
  for (size_t t = 1; t < threads; ++t) helpers.emplace_back(drain);
  drain();
  for (auto& t : helpers) t.join();
}

}  // namespace roadsense::worker
