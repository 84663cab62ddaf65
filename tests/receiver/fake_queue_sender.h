// FakeQueueSender: a scripted QueueSender for receiver tests. Records every SendBatch call;
// acknowledges each entry with message id "mid-<body>", except entries whose body matches
// FailBodyIf (reported as failed) or DropBodyIf (not mentioned), and whole calls while
// FailCalls is set. `Hold()` makes
// calls block until `Release()`. Thread-safe.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "receiver/queue_sender.h"

namespace roadsense::receiver::testing {

class FakeQueueSender : public QueueSender {
 public:
  Result<sqs::SendBatchResult> SendBatch(const std::vector<sqs::SendEntry>& entries) override {
    std::unique_lock lock(mu_);
    calls_.push_back(entries);
    ++waiting_;
    cv_.notify_all();
    cv_.wait(lock, [this] { return !held_; });
    --waiting_;
    if (fail_calls_) return Unavailable("connection refused");
    sqs::SendBatchResult result;
    for (const auto& e : entries) {
      if (fail_body_ && fail_body_(e.body)) {
        result.failed.push_back({e.id, "InternalError", "disk full", false});
      } else if (!drop_body_ || !drop_body_(e.body)) {
        result.successful.push_back({e.id, "mid-" + e.body, ""});
      }
    }
    return result;
  }

  // Entries whose body matches fail. Set before the first call.
  void FailBodyIf(std::function<bool(const std::string& body)> matches) {
    std::lock_guard lock(mu_);
    fail_body_ = std::move(matches);
  }
  // The answer mentions neither success nor failure for entries whose body matches.
  void DropBodyIf(std::function<bool(const std::string& body)> matches) {
    std::lock_guard lock(mu_);
    drop_body_ = std::move(matches);
  }
  void FailCalls(bool fail) {
    std::lock_guard lock(mu_);
    fail_calls_ = fail;
  }
  void Hold() {
    std::lock_guard lock(mu_);
    held_ = true;
  }
  void Release() {
    std::lock_guard lock(mu_);
    held_ = false;
    cv_.notify_all();
  }
  // Blocks until `n` calls are waiting inside SendBatch (use with Hold()).
  void AwaitWaiting(int n) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return waiting_ >= n; });
  }
  std::vector<std::vector<sqs::SendEntry>> calls() const {
    std::lock_guard lock(mu_);
    return calls_;
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::vector<sqs::SendEntry>> calls_;
  std::function<bool(const std::string&)> fail_body_;
  std::function<bool(const std::string&)> drop_body_;
  bool fail_calls_ = false;
  bool held_ = false;
  int waiting_ = 0;
};

}  // namespace roadsense::receiver::testing
