// BatchingEnqueuer: packs concurrent uploads into few queue messages and sends them in
// SendMessageBatch calls.
//
// Enqueue() hands one upload over (a serialized roadsense.v1.QueuedBatch) and returns at once. A
// send is due when `max_batch_entries` uploads wait, their bodies alone would pass
// `max_batch_bytes`, `linger` has passed since the oldest arrived, or on Stop(). A sender thread
// then takes, in arrival order, as many waiting uploads as fit one call and packs them into
// messages (MessagePacker): up to `max_batch_entries` entries (SQS: 10), each a base64
// QueuedUploads body filled up to `max_message_bytes`, the bodies together within
// `max_batch_bytes` (SQS: 1 MiB); an upload larger than `max_message_bytes` alone travels alone.
// Packing and base64 happen on the sender thread. Each upload's callback runs exactly once, on a
// sender thread, with the outcome of the entry its upload went into: that message's SQS id when
// the queue acknowledged it (uploads packed together share it), else an error (kUnavailable). A
// failed entry fails only its own uploads.
//
// Backpressure, counted per upload: at most `max_inflight` uploads, whose bodies (each as if sent
// alone) come to at most `max_inflight_bytes` (the receiver's memory bound; one upload is always
// admitted when none is waiting), are queued or being sent; beyond that Enqueue() refuses with
// kResourceExhausted (the caller sheds load, e.g. 503 + Retry-After) and does not call the
// callback.
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
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "core/status.h"
#include "receiver/message_packer.h"
#include "receiver/queue_sender.h"

namespace roadsense::receiver {

struct BatchingEnqueuerOptions {
  int sender_threads = 4;
  std::chrono::microseconds linger{2000};
  size_t max_inflight = 10000;
  size_t max_inflight_bytes = 256 << 20;
  size_t max_batch_entries = 10;         // SQS SendMessageBatch limit
  size_t max_batch_bytes = 1024 * 1024;  // SQS limit on one message and on a batch's bodies
  size_t max_message_bytes = 64 * 1024;  // a message is filled up to this (SQS billing chunk)
  // Optional: called on the sender thread before each SendMessageBatch call with the number of
  // uploads in each of its entries (metrics). Must be thread-safe and quick.
  std::function<void(std::span<const size_t> uploads_per_entry)> on_batch;
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

  // `upload` is a serialized QueuedBatch. Errors (callback not called): kResourceExhausted when
  // full, kInvalidArgument when a message of this upload alone would exceed max_batch_bytes,
  // kUnavailable after Stop().
  Status Enqueue(std::string upload, EnqueueCallback done);

  // Uploads queued or being sent right now (what max_inflight bounds; freed just before
  // answering).
  size_t inflight() const;
  // inflight() plus uploads whose callbacks are still running: 0 once every upload was answered.
  size_t unanswered() const;
  // Whether Enqueue() would refuse any upload now (max_inflight or max_inflight_bytes reached).
  bool Full() const;

  // Idempotent. Sends everything already queued, then joins the sender threads.
  void Stop();

 private:
  using Clock = std::chrono::steady_clock;
  struct Pending {
    std::string upload;  // serialized QueuedBatch
    EnqueueCallback done;
    Clock::time_point arrived;
    size_t body_bytes;  // PackedBodyBytesAlone(upload.size()): what it counts against the limits
  };
  // What one SendMessageBatch call carries: `uploads` in arrival order, split into `entries`.
  struct Batch {
    std::vector<Pending> uploads;
    std::vector<MessagePacker::Entry> entries;
  };

  // Lock held: whether the waiting uploads fill a call by count (max_batch_entries) or by their
  // bodies alone (max_batch_bytes), before packing.
  bool WaitingFillACall() const;
  void SenderLoop();
  // Waits (lock held) until a batch is due and takes it; no uploads when stopping with nothing
  // left.
  Batch TakeBatch(std::unique_lock<std::mutex>& lock);
  void SendAndComplete(Batch batch);

  const BatchingEnqueuerOptions options_;
  QueueSender* const sender_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Pending> queue_;  // guarded by mu_
  size_t inflight_ = 0;        // guarded by mu_: queued + being sent
  size_t inflight_bytes_ = 0;  // guarded by mu_: their body_bytes
  size_t queued_bytes_ = 0;    // guarded by mu_: body_bytes of those in queue_
  size_t answering_ = 0;       // guarded by mu_: sent, callbacks not yet returned
  bool stopping_ = false;      // guarded by mu_
  std::vector<std::thread> threads_;
};

}  // namespace roadsense::receiver
