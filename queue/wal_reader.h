// WalReader: replays the segmented write-ahead log at startup (queue/wal_format.md, "Recovery
// rules"). Tells a torn tail (the writer died mid-write: truncated silently) from corruption
// (damaged acknowledged data: kCorruption naming the segment file and byte offset).
//
// Not thread-safe; used once, before the GroupCommitter starts writing to the same directory.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "core/status.h"
#include "queue/wal_format.h"

namespace roadsense::queue {

struct WalRecoveryResult {
  uint64_t next_sequence = 1;  // where the writer continues
  uint64_t records = 0;        // valid records delivered
  uint64_t segments = 0;
  uint64_t truncated_bytes = 0;  // torn tail removed from the last segment
  uint64_t zero_tail_bytes = 0;  // unused zeros of a pre-sized last segment, removed
};

class WalReader {
 public:
  // Called once per valid record in sequence order; a non-OK status aborts recovery.
  using RecordCallback =
      std::function<Status(uint64_t sequence, WalRecordType type, std::string_view payload)>;

  explicit WalReader(std::string dir) : dir_(std::move(dir)) {}

  // Reads every segment of the directory, truncating (and fsyncing) a torn tail of the last one.
  Result<WalRecoveryResult> Recover(const RecordCallback& on_record);
  // During a callback: where the record being delivered lies (WalBodyReader reads it there).
  const WalLocation& record_location() const { return location_; }

  enum class Check { kValid, kIncomplete, kBad };
  // Validates the framed record at `offset` of `data` (header, length, CRC, type), expecting
  // sequence `expected`; *reason says why not. Also WalBodyReader's check of one record.
  static Check CheckRecord(std::string_view data, size_t offset, uint64_t expected,
                           std::string* reason);

 private:
  struct Segment;

  // True when some offset after `offset` starts a valid record with a plausible sequence number.
  static bool ValidRecordFollows(std::string_view data, size_t offset, uint64_t expected);
  Status ReadSegment(const Segment& segment, bool is_last, uint64_t* expected,
                     WalRecoveryResult* result, const RecordCallback& on_record);

  std::string dir_;
  WalLocation location_;
};

}  // namespace roadsense::queue
