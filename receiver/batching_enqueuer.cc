#include "receiver/batching_enqueuer.h"

#include <charconv>
#include <utility>

namespace roadsense::receiver {

BatchingEnqueuer::BatchingEnqueuer(BatchingEnqueuerOptions options, QueueSender* sender)
    : options_(options), sender_(sender) {
  const int n = options_.sender_threads > 0 ? options_.sender_threads : 1;
  for (int i = 0; i < n; ++i) threads_.emplace_back([this] { SenderLoop(); });
}

BatchingEnqueuer::~BatchingEnqueuer() { Stop(); }

Status BatchingEnqueuer::Enqueue(std::string body, EnqueueCallback done) {
  if (body.size() > options_.max_batch_bytes) {
    return InvalidArgument("message of " + std::to_string(body.size()) +
                           " bytes exceeds the queue's limit of " +
                           std::to_string(options_.max_batch_bytes));
  }
  std::lock_guard lock(mu_);
  if (stopping_) return Unavailable("the receiver is shutting down");
  if (inflight_ >= options_.max_inflight ||
      (inflight_ > 0 && inflight_bytes_ + body.size() > options_.max_inflight_bytes)) {
    return Status(StatusCode::kResourceExhausted, std::to_string(inflight_) + " uploads (" +
                                                      std::to_string(inflight_bytes_) +
                                                      " bytes) are already waiting for the queue");
  }
  ++inflight_;
  inflight_bytes_ += body.size();
  queue_.push_back({std::move(body), std::move(done), Clock::now()});
  // Wake a sender when there is new work for an idle thread or a batch just filled up; otherwise
  // the thread lingering on the oldest entry's deadline will pick this one up.
  if (queue_.size() == 1 || queue_.size() % options_.max_batch_entries == 0) cv_.notify_one();
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
    std::vector<Pending> batch;
    {
      std::unique_lock lock(mu_);
      batch = TakeBatch(lock);
    }
    if (batch.empty()) return;
    SendAndComplete(std::move(batch));
  }
}

std::vector<BatchingEnqueuer::Pending> BatchingEnqueuer::TakeBatch(
    std::unique_lock<std::mutex>& lock) {
  for (;;) {
    if (queue_.empty()) {
      if (stopping_) return {};
      cv_.wait(lock);
      continue;
    }
    // A batch is due when the next SendMessageBatch could not take more entries, when the oldest
    // entry has lingered long enough, or when shutting down.
    size_t fit_count = 0;
    size_t fit_bytes = 0;
    bool full = false;
    for (const Pending& p : queue_) {
      if (fit_count == options_.max_batch_entries ||
          fit_bytes + p.body.size() > options_.max_batch_bytes) {
        full = true;
        break;
      }
      ++fit_count;
      fit_bytes += p.body.size();
    }
    full = full || fit_count == options_.max_batch_entries;
    const Clock::time_point deadline = queue_.front().arrived + options_.linger;
    if (!full && !stopping_ && Clock::now() < deadline) {
      cv_.wait_until(lock, deadline);
      continue;
    }
    std::vector<Pending> batch;
    batch.reserve(fit_count);
    for (size_t i = 0; i < fit_count; ++i) {
      batch.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    if (!queue_.empty()) cv_.notify_one();  // let another sender start on the rest
    return batch;
  }
}

void BatchingEnqueuer::SendAndComplete(std::vector<Pending> batch) {
  std::vector<sqs::SendEntry> entries(batch.size());
  size_t bytes = 0;
  for (size_t i = 0; i < batch.size(); ++i) {
    bytes += batch[i].body.size();
    entries[i].id = std::to_string(i);
    entries[i].body = std::move(batch[i].body);
  }
  const bool down = options_.queue_down && options_.queue_down();
  if (options_.on_batch && !down) options_.on_batch(entries.size());
  Result<sqs::SendBatchResult> result =
      down ? Result<sqs::SendBatchResult>(Unavailable("the queue is not reachable"))
           : sender_->SendBatch(entries);

  // Each entry's outcome; an entry the queue did not mention stays failed.
  std::vector<Result<std::string>> outcomes(
      batch.size(), Result<std::string>(Unavailable("the queue did not acknowledge the message")));
  if (!result.ok()) {
    for (auto& o : outcomes) o = Result<std::string>(Unavailable(result.status().ToString()));
  } else {
    // Entry ids are the entries' positions ("0".."9"); anything else is not ours.
    auto index_of = [&](const std::string& id) -> long {
      size_t i = 0;
      auto [end, ec] = std::from_chars(id.data(), id.data() + id.size(), i);
      if (ec != std::errc() || end != id.data() + id.size() || i >= batch.size()) return -1;
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
  {
    // Freed before the answers go out: a car that got its answer may upload again at once (and
    // the handler sheds before decoding when the enqueuer is full), so its slot must be free then.
    std::lock_guard lock(mu_);
    inflight_ -= batch.size();
    inflight_bytes_ -= bytes;
    answering_ += batch.size();
  }
  for (size_t i = 0; i < batch.size(); ++i) batch[i].done(std::move(outcomes[i]));
  std::lock_guard lock(mu_);
  answering_ -= batch.size();
}

}  // namespace roadsense::receiver
