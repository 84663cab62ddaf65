// DrainWaiter: waits until the pipeline has processed everything the simulator had
// acknowledged, before the verifier reads the map.
//
// 1. Queue (when a QueueDepthReader is given): polls the queue's depth until visible, in-flight
//    (received, not yet deleted — a worker holds it) and delayed messages are all 0 on
//    `empty_polls_needed` consecutive polls. Workers delete a message only after its commit, so
//    an empty queue means every acknowledged upload is in PostgreSQL (or was dropped).
// 2. Totals: polls the sum of the compared tile_stats rows until two consecutive reads agree
//    (settled). Without a queue reader the sum must also have reached `target` — the only drain
//    signal left.
// Gives up at `timeout` (the result says which phase did not finish). Errors from the readers
// count as "not yet" and are logged. Not thread-safe; blocks the caller.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "core/status.h"

namespace roadsense::simulator {

struct QueueDepth {
  int64_t visible = 0;    // ApproximateNumberOfMessages
  int64_t in_flight = 0;  // ApproximateNumberOfMessagesNotVisible
  int64_t delayed = 0;    // ApproximateNumberOfMessagesDelayed
  bool empty() const { return visible == 0 && in_flight == 0 && delayed == 0; }
};

using QueueDepthReader = std::function<Result<QueueDepth>()>;
using ReportSumReader = std::function<Result<int64_t>()>;

struct DrainOptions {
  std::chrono::milliseconds timeout{120000};
  std::chrono::milliseconds poll_interval{250};
  int empty_polls_needed = 2;
  // Seams for tests: the clock and the pause between polls.
  std::function<std::chrono::steady_clock::time_point()> now = std::chrono::steady_clock::now;
  std::function<void(std::chrono::milliseconds)> sleep;  // default: std::this_thread::sleep_for
};

struct DrainResult {
  bool queue_checked = false;  // a queue reader was given
  bool queue_empty = false;    // phase 1 finished
  bool settled = false;        // phase 2 finished
  double elapsed_s = 0;        // whole wait
  double queue_s = 0;          // until the queue was seen empty
  int64_t polls = 0;
  int64_t last_sum = -1;  // -1: never read
  QueueDepth last_depth;

  bool ok() const { return (!queue_checked || queue_empty) && settled; }
  std::string Describe() const;  // one line for people
};

class DrainWaiter {
 public:
  static DrainResult Wait(const QueueDepthReader& queue, const ReportSumReader& sum, int64_t target,
                          const DrainOptions& options);
};

}  // namespace roadsense::simulator
