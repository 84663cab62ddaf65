#include "queue/group_committer.h"

#include <spdlog/spdlog.h>

#include "net/http_server.h"

namespace roadsense::queue {

GroupCommitter::GroupCommitter(std::unique_ptr<WalWriter> writer) : writer_(std::move(writer)) {}

GroupCommitter::~GroupCommitter() { Stop(); }

void GroupCommitter::SetMaintenance(Maintenance maintenance, std::chrono::milliseconds interval) {
  maintenance_ = std::move(maintenance);
  maintenance_interval_ = interval;
}

void GroupCommitter::Start() {
  thread_ = std::thread([this] { Run(); });
}

void GroupCommitter::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
  // Submissions that raced with Stop() (or came without Start()) still get their callback.
  std::vector<Submission> left;
  {
    std::lock_guard lock(mu_);
    left.swap(pending_);
  }
  const Status stopped = Unavailable("the write-ahead log is closed");
  for (auto& s : left) s.done(stopped, s.records, 0);
}

void GroupCommitter::Submit(std::vector<WalRecord> records, Done done, bool urgent) {
  {
    std::lock_guard lock(mu_);
    if (!stopping_) {
      pending_.push_back(Submission{std::move(records), std::move(done)});
      // Only the committer waits on cv_; it is woken only when it may be idle.
      if (urgent && !urgent_pending_) {
        urgent_pending_ = true;
        cv_.notify_one();
      }
      return;
    }
  }
  done(Unavailable("the write-ahead log is closed"), records, 0);
}

void GroupCommitter::Run() {
  std::vector<Submission> group;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      if (maintenance_) {
        cv_.wait_for(lock, maintenance_interval_, [&] { return urgent_pending_ || stopping_; });
      } else {
        cv_.wait(lock, [&] { return urgent_pending_ || stopping_; });
      }
      if (pending_.empty() && stopping_) return;  // stopping and drained
      group.swap(pending_);
      urgent_pending_ = false;
    }
    if (maintenance_ && failed_.ok()) {
      Submission extra;
      maintenance_(*writer_, &extra.records, &extra.done);
      if (!extra.records.empty()) group.insert(group.begin(), std::move(extra));
    }
    if (group.empty()) continue;
    const Status status = CommitGroup(group);
    {
      // The group's HTTP answers reach the I/O threads in one hand-off when the batch closes,
      // not one wake-up of an I/O thread per answer (each of which also preempted this thread).
      net::ResponseBatch answers;
      for (auto& s : group) s.done(status, s.records, s.last_sequence);
    }
    group.clear();
  }
}

Status GroupCommitter::CommitGroup(std::vector<Submission>& group) {
  if (!failed_.ok()) return failed_;
  std::string payload;
  uint64_t count = 0;
  for (auto& s : group) {
    for (const WalRecord& record : s.records) {
      payload.clear();
      EncodeWalPayload(record, &payload);
      s.last_sequence = writer_->Add(TypeOf(record), payload);
      ++count;
    }
  }
  Status status = writer_->Write();
  if (!status.ok() && writer_->usable()) {
    // Nothing of this group is in the log; the next group tries again. Logged once per episode.
    if (!write_failing_) {
      spdlog::error("write-ahead log write failed, failing requests until it succeeds: {}",
                    status.ToString());
    }
    write_failing_ = true;
    return status;
  }
  if (write_failing_ && status.ok()) {
    spdlog::info("write-ahead log writes succeed again");
    write_failing_ = false;
  }
  if (status.ok()) status = writer_->Sync();
  if (!status.ok()) {
    spdlog::error("write-ahead log failed, no further writes are acknowledged: {}",
                  status.ToString());
    failed_ = status;
    return status;
  }
  fsyncs_.fetch_add(1, std::memory_order_relaxed);
  records_.fetch_add(count, std::memory_order_relaxed);
  fsynced_sequence_.store(writer_->written_sequence(), std::memory_order_release);
  return status;
}

}  // namespace roadsense::queue
