// WalWriter: appends framed records to the segmented write-ahead log (queue/wal_format.md).
//
// Records go through three stages, named as in Redpanda: Add() *appends* a record to an in-memory
// buffer and assigns its sequence number; Write() *writes* the buffer to the current segment with
// one write(2) (rolling to a new segment first when the current one is full); Sync() makes the
// written records durable with fdatasync(2) — they are *fsynced* and may be acknowledged.
//
// Not thread-safe: owned and driven by one thread (GroupCommitter's).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "queue/wal_format.h"

namespace roadsense::queue {

struct WalWriterOptions {
  std::string dir;
  uint64_t segment_target_bytes = kSegmentTargetBytes;
};

class WalWriter {
 public:
  // Starts a new segment named after `next_sequence` in options.dir (which must exist). A file of
  // that name can only hold a torn tail (recovery found no valid record in it) and is truncated.
  static Result<std::unique_ptr<WalWriter>> Open(WalWriterOptions options, uint64_t next_sequence);
  ~WalWriter();
  WalWriter(const WalWriter&) = delete;
  WalWriter& operator=(const WalWriter&) = delete;

  // Frames `payload` into the write buffer; returns its sequence number.
  uint64_t Add(WalRecordType type, std::string_view payload);
  // Writes the buffered records to the current segment (one group is never split). On error
  // (ENOSPC, EIO) the buffered records are dropped, their sequence numbers go to the next Add(),
  // and the segment is cut back to its length before this write, so that a partly written group
  // never precedes later records; the next Write() may succeed once space returns. If that cut
  // fails too, usable() turns false for good and callers must stop acknowledging.
  Status Write();
  // fdatasync of the current segment.
  Status Sync();

  bool usable() const { return usable_; }
  uint64_t next_sequence() const { return next_sequence_; }
  // Sequence number of the last record passed to write(2) successfully (0 if none).
  uint64_t written_sequence() const { return written_sequence_; }
  const std::string& segment_path() const { return segment_path_; }
  // Where a record of the last successful Write() lies; unknown (segment 0) for any other
  // sequence number, or when its offset does not fit WalLocation.
  WalLocation WrittenLocation(uint64_t sequence) const;

 private:
  explicit WalWriter(WalWriterOptions options, uint64_t next_sequence);
  Status OpenSegment(uint64_t first_sequence);
  Status Roll();
  Status DropBuffer(Status error);

  WalWriterOptions options_;
  uint64_t next_sequence_;
  uint64_t written_sequence_ = 0;
  uint64_t buffer_first_sequence_ = 0;  // sequence of the first buffered record
  std::string buffer_;
  std::vector<uint64_t> buffer_offsets_;  // of each buffered record in buffer_
  // The last successful Write(): its segment, byte offset there, first sequence, and the
  // records' offsets within it (plus its end).
  uint64_t written_segment_ = 0;
  uint64_t written_base_ = 0;
  uint64_t written_first_ = 0;
  std::vector<uint64_t> written_offsets_;
  uint64_t segment_first_sequence_ = 0;
  int fd_ = -1;
  std::string segment_path_;
  uint64_t segment_bytes_ = 0;
  bool usable_ = true;
};

// fsync of a directory, so that files created or renamed in it survive a crash.
Status SyncDirectory(const std::string& dir);

}  // namespace roadsense::queue
