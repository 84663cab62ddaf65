#include "receiver/batching_enqueuer.h"

#include <charconv>
#include <utility>

#include "core/base64.h"

namespace roadsense::receiver {

BatchingEnqueuer::BatchingEnqueuer(BatchingEnqueuerOptions options, QueueSender* sender)
    : options_(options), sender_(sender) {
  const int n = options_.sender_threads > 0 ? options_.sender_threads : 1;
  for (int i = 0; i < n; ++i) threads_.emplace_back([this] { SenderLoop(); });
}

BatchingEnqueuer::~BatchingEnqueuer() { Stop(); }

Status BatchingEnqueuer::Enqueue(std::string upload, EnqueueCallback done) {
  const size_t body_bytes = PackedBodyBytesAlone(upload.size());
  if (body_bytes > options_.max_batch_bytes) {
    return InvalidArgument("message of " + std::to_string(body_bytes) +
                           " bytes exceeds the queue's limit of " +
                           std::to_string(options_.max_batch_bytes));
  }
  std::lock_guard lock(mu_);
  if (stopping_) return Unavailable("the receiver is shutting down");
  if (inflight_ >= options_.max_inflight ||
      (inflight_ > 0 && inflight_bytes_ + body_bytes > options_.max_inflight_bytes)) {
    return Status(StatusCode::kResourceExhausted, std::to_string(inflight_) + " uploads (" +
                                                      std::to_string(inflight_bytes_) +
                                                      " bytes) are already waiting for the queue");
  }
  const bool was_full = WaitingFillACall();
  ++inflight_;
  inflight_bytes_ += body_bytes;
  queued_bytes_ += body_bytes;
  queue_.push_back({std::move(upload), std::move(done), Clock::now(), body_bytes});
  // Wake a sender when there is new work for an idle thread or a batch just filled up; otherwise
  // the thread lingering on the oldest entry's deadline will pick this one up.
  if (queue_.size() == 1 || queue_.size() % options_.max_batch_entries == 0 ||
      (!was_full && WaitingFillACall())) {
    cv_.notify_one();
  }
  return Status::Ok();
}

size_t BatchingEnqueuer::inflight() const {
  std::lock_guard lock(mu_);
  return inflight_;
}

size_t BatchingEnqueuer::unanswered() const {
  std::lock_guard lock(mu_);
  return inflight_ + answering_;
}

bool BatchingEnqueuer::Full() const {
  std::lock_guard lock(mu_);
  return inflight_ >= options_.max_inflight ||
         (inflight_ > 0 && inflight_bytes_ >= options_.max_inflight_bytes);
}

void BatchingEnqueuer::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
  threads_.clear();
}

void BatchingEnqueuer::SenderLoop() {
  for (;;) {
    Batch batch;
    {
      std::unique_lock lock(mu_);
      batch = TakeBatch(lock);
    }
    if (batch.uploads.empty()) return;
    SendAndComplete(std::move(batch));
  }
}

bool BatchingEnqueuer::WaitingFillACall() const {
  return queue_.size() >= options_.max_batch_entries || queued_bytes_ >= options_.max_batch_bytes;
}

BatchingEnqueuer::Batch BatchingEnqueuer::TakeBatch(std::unique_lock<std::mutex>& lock) {
  for (;;) {
    if (queue_.empty()) {
      if (stopping_) return {};
      cv_.wait(lock);
      continue;
    }
    // A batch is due when the waiting uploads fill a call, when the oldest has lingered long
    // enough, or when shutting down.
    const Clock::time_point deadline = queue_.front().arrived + options_.linger;
    if (!WaitingFillACall() && !stopping_ && Clock::now() < deadline) {
      cv_.wait_until(lock, deadline);
      continue;
    }
    // Then it takes as many as fit, packed.
    MessagePacker packer(
        {options_.max_batch_entries, options_.max_message_bytes, options_.max_batch_bytes});
    for (const Pending& p : queue_) {
      if (!packer.Add(p.upload.size())) break;
    }
    Batch batch;
    batch.entries = packer.entries();
    batch.uploads.reserve(packer.uploads());
    for (size_t i = 0; i < packer.uploads(); ++i) {
      queued_bytes_ -= queue_.front().body_bytes;
      batch.uploads.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    if (!queue_.empty()) cv_.notify_one();  // let another sender start on the rest
    return batch;
  }
}

void BatchingEnqueuer::SendAndComplete(Batch batch) {
  // Each entry's body: its uploads behind their QueuedUploads prefixes, base64.
  std::vector<sqs::SendEntry> entries(batch.entries.size());
  std::vector<size_t> uploads_per_entry(batch.entries.size());
  size_t bytes = 0;
  for (size_t e = 0, u = 0; e < entries.size(); ++e) {
    std::string packed;
    packed.reserve(batch.entries[e].packed_bytes);
    for (size_t end = u + batch.entries[e].uploads; u < end; ++u) {
      AppendPackedUpload(batch.uploads[u].upload, &packed);
      bytes += batch.uploads[u].body_bytes;
      std::string().swap(batch.uploads[u].upload);  // no longer needed
    }
    entries[e].id = std::to_string(e);
    entries[e].body = Base64Encode(packed);
    uploads_per_entry[e] = batch.entries[e].uploads;
  }
  const bool down = options_.queue_down && options_.queue_down();
  if (options_.on_batch && !down) options_.on_batch(uploads_per_entry);
  Result<sqs::SendBatchResult> result =
      down ? Result<sqs::SendBatchResult>(Unavailable("the queue is not reachable"))
           : sender_->SendBatch(entries);

  // Each entry's outcome; an entry the queue did not mention stays failed.
  std::vector<Result<std::string>> outcomes(
      entries.size(),
      Result<std::string>(Unavailable("the queue did not acknowledge the message")));
  if (!result.ok()) {
    for (auto& o : outcomes) o = Result<std::string>(Unavailable(result.status().ToString()));
  } else {
    // Entry ids are the entries' positions ("0".."9"); anything else is not ours.
    auto index_of = [&](const std::string& id) -> long {
      size_t i = 0;
      auto [end, ec] = std::from_chars(id.data(), id.data() + id.size(), i);
      if (ec != std::errc() || end != id.data() + id.size() || i >= entries.size()) return -1;
      return static_cast<long>(i);
    };
    for (const sqs::BatchFailure& f : result->failed) {
      long i = index_of(f.id);
      if (i >= 0) outcomes[i] = Result<std::string>(Unavailable(f.code + ": " + f.message));
    }
    for (const sqs::SendSuccess& s : result->successful) {
      long i = index_of(s.id);
      if (i >= 0) outcomes[i] = s.message_id;
    }
  }
  const size_t n = batch.uploads.size();
  {
    // Freed before the answers go out: a car that got its answer may upload again at once (and
    // the handler sheds before decoding when the enqueuer is full), so its slot must be free then.
    std::lock_guard lock(mu_);
    inflight_ -= n;
    inflight_bytes_ -= bytes;
    answering_ += n;
  }
  for (size_t e = 0, u = 0; e < entries.size(); ++e) {
    for (size_t end = u + uploads_per_entry[e]; u < end; ++u) batch.uploads[u].done(outcomes[e]);
  }
  std::lock_guard lock(mu_);
  answering_ -= n;
}

}  // namespace roadsense::receiver
