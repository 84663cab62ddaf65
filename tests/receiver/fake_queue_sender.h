// FakeQueueSender: a scripted QueueSender for receiver tests. Records every SendBatch call;
// acknowledges each entry with message id "mid-<body>", except entries whose body is in
// `fail_bodies` (reported as failed) and whole calls while `fail_calls` is set. `Hold()` makes
// calls block until `Release()`. Thread-safe.
#pragma once

#include <condition_variable>
#include <mutex>
#include <set>
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
      if (fail_bodies_.count(e.body) > 0) {
        result.failed.push_back({e.id, "InternalError", "disk full", false});
      } else if (drop_bodies_.count(e.body) == 0) {
        result.successful.push_back({e.id, "mid-" + e.body, ""});
      }
    }
    return result;
  }

  void FailBody(std::string body) {
    std::lock_guard lock(mu_);
    fail_bodies_.insert(std::move(body));
  }
  // The answer mentions neither success nor failure for this body.
  void DropBody(std::string body) {
    std::lock_guard lock(mu_);
    drop_bodies_.insert(std::move(body));
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
  std::set<std::string> fail_bodies_;
  std::set<std::string> drop_bodies_;
  bool fail_calls_ = false;
  bool held_ = false;
  int waiting_ = 0;
};

}  // namespace roadsense::receiver::testing
