// WalWriter: writes framed records to the segmented write-ahead log (queue/wal_format.md).
//
// Records go through three stages, named as in Redpanda: Add() *appends* a record to an in-memory
// buffer and assigns its sequence number; Write() *writes* the buffer to the current segment with
// one pwrite(2) at the segment's used length (rolling to a new segment first when the current one
// is full); Sync() makes the written records durable with fdatasync(2) — they are *fsynced* and
// may be acknowledged.
//
// Segments are pre-sized: a new segment is a file of segment_target_bytes zeros, prepared and
// fdatasync'd ahead of time by a WalSegmentPreparer and renamed into place, so that records
// overwrite zeros and each Sync() flushes data without a journal commit of the file size. When no
// prepared file is ready (still being zero-filled, or its preparation failed: ENOSPC, too little
// free space) the segment is an empty file that grows with each write, as before; this is logged
// once per episode and never delays or fails a write. A finished segment is cut to its used length
// and fsynced before the first record of the next one is written, so that only the last segment
// can end in zeros.
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
#include "queue/wal_segment_preparer.h"

namespace roadsense::queue {

struct WalWriterOptions {
  std::string dir;
  uint64_t segment_target_bytes = kSegmentTargetBytes;
  // Tests: a roll waits for the preparation under way instead of falling back to a growing
  // segment, so which segments are pre-sized does not depend on timing.
  bool roll_waits_for_prepared = false;
};

class WalWriter {
 public:
  // Starts a new segment named after `next_sequence` in options.dir (which must exist), waiting
  // for its zero-fill (a growing file if that fails). A file of that name can only hold a torn
  // tail or zeros (recovery found no valid record in it) and is replaced.
  static Result<std::unique_ptr<WalWriter>> Open(WalWriterOptions options, uint64_t next_sequence);
  // Cuts the current segment's zero tail off (a clean shutdown leaves no slack; a crash leaves it
  // to recovery) and removes an untaken prepared segment.
  ~WalWriter();
  WalWriter(const WalWriter&) = delete;
  WalWriter& operator=(const WalWriter&) = delete;

  // Frames `payload` into the write buffer; returns its sequence number.
  uint64_t Add(WalRecordType type, std::string_view payload);
  // Writes the buffered records to the current segment (one group is never split; it extends the
  // file past its pre-sized length when it does not fit). On error (ENOSPC, EIO) the buffered
  // records are dropped, their sequence numbers go to the next Add(), and the segment is cut back
  // to its used length before this write (its zero tail too: it grows from then on), so that a
  // partly written group never precedes later records; the next Write() may succeed once space
  // returns. If that cut fails too, or the fsync of a finished segment's cut at a roll fails,
  // usable() turns false for good and callers must stop acknowledging.
  Status Write();
  // fdatasync of the current segment.
  Status Sync();

  bool usable() const { return usable_; }
  uint64_t next_sequence() const { return next_sequence_; }
  // Sequence number of the last record passed to pwrite(2) successfully (0 if none).
  uint64_t written_sequence() const { return written_sequence_; }
  const std::string& segment_path() const { return segment_path_; }
  // The current segment file has zeros after its records: it was pre-sized and is not full.
  bool segment_has_zero_tail() const { return file_bytes_ > segment_bytes_; }
  // Where a record of the last successful Write() lies; unknown (segment 0) for any other
  // sequence number, or when its offset does not fit WalLocation.
  WalLocation WrittenLocation(uint64_t sequence) const;

 private:
  explicit WalWriter(WalWriterOptions options, uint64_t next_sequence);
  Status OpenSegment(uint64_t first_sequence, bool wait_for_prepared);
  Status FinishSegment();
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
  uint64_t segment_bytes_ = 0;   // used: records written to the current segment
  uint64_t file_bytes_ = 0;      // the current segment file's size (>= segment_bytes_)
  bool growing_logged_ = false;  // a fallback to a growing segment was logged (once per episode)
  bool usable_ = true;
  std::unique_ptr<WalSegmentPreparer> preparer_;
};

// fsync of a directory, so that files created or renamed in it survive a crash.
Status SyncDirectory(const std::string& dir);

}  // namespace roadsense::queue
