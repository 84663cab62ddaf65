// GroupCommitter: makes WAL records durable in groups, so that many concurrent requests share one
// write(2) and one fdatasync(2).
//
// Submit() queues records (*appended*); the committer thread takes everything queued, frames it
// into the WalWriter, *writes* it with one write and covers it with one fdatasync (*fsynced*),
// then runs the submissions' callbacks in sequence order. A callback therefore never runs before
// its records are on stable storage, and callbacks see records in log order — which is what lets
// QueueEngine apply live changes with the same code that replays the log.
//
// A write error (e.g. ENOSPC) fails only its group: WalWriter cuts the partial write off, and the
// next group is tried afresh, so service resumes when space returns. After an fsync error (or a
// write error the writer could not undo) the log is unusable (a failed fsync cannot be retried
// safely): that group and every later submission complete with the error.
//
// Threading: Submit() is thread-safe. Callbacks run on the committer thread, one at a time; they
// must be short and must not call Stop(). A group's callbacks run inside one net::ResponseBatch:
// the HTTP answers they give leave together once the last of them has run.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "core/status.h"
#include "queue/wal_record.h"
#include "queue/wal_writer.h"

namespace roadsense::queue {

class GroupCommitter {
 public:
  // `status` is OK when the records are fsynced; `records` are the submitted records, handed back
  // so the callback can apply them without copying; `last_sequence` is the last one's number.
  using Done = std::function<void(const Status& status, std::vector<WalRecord>& records,
                                  uint64_t last_sequence)>;

  // Runs on the committer thread before each group is written — after every earlier group's
  // callbacks, so the callers' applied state equals the log up to writer.written_sequence() — and
  // at least every `maintenance_interval` when idle. Records it appends are written first in the
  // group and completed through *done. QueueEngine reclaims space here.
  using Maintenance =
      std::function<void(const WalWriter& writer, std::vector<WalRecord>* records, Done* done)>;

  explicit GroupCommitter(std::unique_ptr<WalWriter> writer);
  ~GroupCommitter();  // Stop()s
  GroupCommitter(const GroupCommitter&) = delete;
  GroupCommitter& operator=(const GroupCommitter&) = delete;

  // Before Start().
  void SetMaintenance(Maintenance maintenance, std::chrono::milliseconds interval);
  // Starts the committer thread. Submissions made before Start() form the first group.
  void Start();
  // Commits what is queued, completes it, and joins the thread. Later Submit()s fail. Idempotent.
  void Stop();

  // Queues `records` (non-empty) to be committed together; `done` runs exactly once.
  // `urgent` = false: the records do not start a group themselves; they ride the next urgent
  // submission's group, or the next maintenance tick (at most `maintenance_interval` later).
  void Submit(std::vector<WalRecord> records, Done done, bool urgent = true);

  // Where a record of the group being completed lies in the log. Only from a Done callback of a
  // successfully fsynced group (committer thread); unknown (segment 0) otherwise.
  WalLocation WrittenLocation(uint64_t sequence) const {
    return writer_->WrittenLocation(sequence);
  }

  // Highest sequence number known durable; callbacks for records up to it have started.
  uint64_t fsynced_sequence() const { return fsynced_sequence_.load(std::memory_order_acquire); }
  uint64_t fsync_count() const { return fsyncs_.load(std::memory_order_relaxed); }
  uint64_t record_count() const { return records_.load(std::memory_order_relaxed); }

 private:
  struct Submission {
    std::vector<WalRecord> records;
    Done done;
    uint64_t last_sequence = 0;
  };

  void Run();
  Status CommitGroup(std::vector<Submission>& group);

  std::unique_ptr<WalWriter> writer_;  // committer thread only (after Start)
  Status failed_;                      // committer thread only
  bool write_failing_ = false;         // committer thread only: the last group's write failed
  Maintenance maintenance_;
  std::chrono::milliseconds maintenance_interval_{1000};

  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Submission> pending_;  // guarded by mu_
  bool urgent_pending_ = false;      // guarded by mu_: pending_ holds an urgent submission
  bool stopping_ = false;            // guarded by mu_
  std::thread thread_;

  std::atomic<uint64_t> fsynced_sequence_{0};
  std::atomic<uint64_t> fsyncs_{0};
  std::atomic<uint64_t> records_{0};
};

}  // namespace roadsense::queue
