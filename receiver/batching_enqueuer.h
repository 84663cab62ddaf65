// BatchingEnqueuer: coalesces concurrent uploads into SendMessageBatch calls.
//
// Enqueue() hands one message body over and returns at once; sender threads take queued bodies
// in arrival order, up to `max_batch_entries` (SQS: 10) and `max_batch_bytes` (SQS: 1 MiB in
// total) per call, waiting up to `linger` after the oldest body arrived for a batch to fill. Each
// body's callback runs exactly once, on a sender thread, with the outcome of ITS entry: the SQS
// message id when the queue acknowledged it, else an error (kUnavailable). A failed entry fails
// only its own upload.
//
// Backpressure: at most `max_inflight` bodies, of at most `max_inflight_bytes` in all (the
// receiver's memory bound; one body is always admitted when none is waiting), are queued or being
// sent; beyond that Enqueue() refuses with kResourceExhausted (the caller sheds load, e.g. 503 +
// Retry-After) and does not call the callback.
//
// Threading: Enqueue() is thread-safe. Callbacks run on sender threads and must not block for
// long (they send an HTTP response). Stop() sends what is already queued, then joins the
// threads; Enqueue() after Stop() fails with kUnavailable. The QueueSender must outlive this.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/status.h"
#include "receiver/queue_sender.h"

namespace roadsense::receiver {

struct BatchingEnqueuerOptions {
  int sender_threads = 4;
  std::chrono::microseconds linger{2000};
  size_t max_inflight = 10000;
  size_t max_inflight_bytes = 256 << 20;
  size_t max_batch_entries = 10;         // SQS SendMessageBatch limit
  size_t max_batch_bytes = 1024 * 1024;  // SQS limit on the sum of the bodies in one batch
  // Optional: called on the sender thread before each SendMessageBatch call with its number of
  // entries (metrics). Must be thread-safe and quick.
  std::function<void(size_t entries)> on_batch;
  // Optional: true when the queue is known to be unreachable (ReadinessProbe::QueueDown). A batch
  // taken meanwhile is failed (kUnavailable) without a SendMessageBatch call, so uploads queued
  // behind calls stuck on a frozen queue are answered at once. Must be thread-safe and quick.
  std::function<bool()> queue_down;
};

// The message id on success; kUnavailable when the queue did not store the entry.
using EnqueueCallback = std::function<void(Result<std::string> message_id)>;

class BatchingEnqueuer {
 public:
  BatchingEnqueuer(BatchingEnqueuerOptions options, QueueSender* sender);
  ~BatchingEnqueuer();  // Stop()
  BatchingEnqueuer(const BatchingEnqueuer&) = delete;
  BatchingEnqueuer& operator=(const BatchingEnqueuer&) = delete;

  // Errors (callback not called): kResourceExhausted when full, kInvalidArgument when the body
  // alone exceeds max_batch_bytes, kUnavailable after Stop().
  Status Enqueue(std::string body, EnqueueCallback done);

  // Bodies queued or being sent right now (what max_inflight bounds; freed just before answering).
  size_t inflight() const;
  // inflight() plus bodies whose callbacks are still running: 0 once every upload was answered.
  size_t unanswered() const;
  // Whether Enqueue() would refuse any body now (max_inflight or max_inflight_bytes reached).
  bool Full() const;

  // Idempotent. Sends everything already queued, then joins the sender threads.
  void Stop();

 private:
  using Clock = std::chrono::steady_clock;
  struct Pending {
    std::string body;
    EnqueueCallback done;
    Clock::time_point arrived;
  };

  void SenderLoop();
  // Waits (lock held) until a batch is due and takes it; empty when stopping with nothing left.
  std::vector<Pending> TakeBatch(std::unique_lock<std::mutex>& lock);
  void SendAndComplete(std::vector<Pending> batch);

  const BatchingEnqueuerOptions options_;
  QueueSender* const sender_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Pending> queue_;  // guarded by mu_
  size_t inflight_ = 0;        // guarded by mu_: queued + being sent
  size_t inflight_bytes_ = 0;  // guarded by mu_: their bodies' bytes
  size_t answering_ = 0;       // guarded by mu_: sent, callbacks not yet returned
  bool stopping_ = false;      // guarded by mu_
  std::vector<std::thread> threads_;
};

}  // namespace roadsense::receiver
