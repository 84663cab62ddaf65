// WalSegmentPreparer: keeps the next WAL segment ready ahead of time — a file of the segment target
// size, zero-filled and fdatasync'd, under the fixed name kWalPreparedSegmentName — so that rolling
// to a new segment is a rename, and records then overwrite zeros in place. An fdatasync after an
// overwrite flushes data only; one after an append must also commit the file's new size to the
// journal, which on ext4 roughly doubles its latency (queue/wal_format.md, "Files"). Allocated but
// unwritten extents (posix_fallocate) do not help: converting them costs the same journal commit.
//
// A preparation fails (ENOSPC, EFBIG, or less than twice its size free on the file system, so that
// it never takes the last space the log itself needs); its partial file is removed and Take()
// returns the error: the writer then falls back to a growing segment.
//
// Threading: PrepareAhead(), Take() and the destructor are called by one owner thread (the
// WalWriter's); the zero-filling runs on a thread owned by this object.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "core/status.h"

namespace roadsense::queue {

class WalSegmentPreparer {
 public:
  // Removes a prepared file left in `dir` by an earlier process; prepares nothing yet.
  // `bytes` is the size of each prepared file (the segment target size).
  WalSegmentPreparer(std::string dir, uint64_t bytes);
  // Stops a preparation under way, joins the thread and removes an untaken prepared file.
  ~WalSegmentPreparer();
  WalSegmentPreparer(const WalSegmentPreparer&) = delete;
  WalSegmentPreparer& operator=(const WalSegmentPreparer&) = delete;

  // Starts preparing a file on the background thread unless one is ready or under way.
  void PrepareAhead();
  // The prepared file at path(), open for writing and fdatasync'd at bytes() zeros; the caller
  // owns the descriptor and renames the file away. Without `wait`, a file still being prepared
  // is an error (kUnavailable) rather than a wait; with it, one is prepared now if needed.
  // The error of a failed preparation is returned once; the next call starts a new one.
  Result<int> Take(bool wait);

  const std::string& path() const { return path_; }
  uint64_t bytes() const { return bytes_; }

 private:
  enum class State { kIdle, kPreparing, kReady };

  void Run();
  Result<int> ZeroFill();

  const std::string dir_;
  const std::string path_;
  const uint64_t bytes_;

  std::mutex mu_;
  std::condition_variable cv_;
  State state_ = State::kIdle;     // guarded by mu_
  bool requested_ = false;         // guarded by mu_: the thread is to start a preparation
  int ready_fd_ = -1;              // guarded by mu_: the prepared file in kReady
  Status failure_;                 // guarded by mu_: the last preparation's error, until taken
  std::atomic<bool> stop_{false};  // set under mu_; polled by ZeroFill between chunks
  std::thread thread_;
};

}  // namespace roadsense::queue
