// WalSnapshot: the queue definitions as of one WAL sequence number, written to its own file so
// that old segments can be deleted (queue/wal_format.md, "Snapshots and space reclamation").
//
// Not thread-safe; written by the committer thread, read once at recovery.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "queue/wal_record.h"

namespace roadsense::queue {

struct QueueDefinition {
  CreateQueueRecord create;  // name, created_ms, attributes as set by clients
  int64_t modified_ms = 0;
};

struct WalSnapshot {
  uint64_t sequence = 0;  // every record up to and including this one is reflected
  std::vector<QueueDefinition> queues;
};

// Writes <dir>/snapshot-<sequence>.dat atomically (tmp file, fsync, rename, directory fsync).
[[nodiscard]] Status WriteWalSnapshot(const std::string& dir, const WalSnapshot& snapshot);
// The snapshot with the highest sequence in `dir`, nullopt when there is none; kCorruption
// naming the file when it does not verify.
[[nodiscard]] Result<std::optional<WalSnapshot>> ReadLatestWalSnapshot(const std::string& dir);
// Unlinks snapshot files older than `sequence` (no directory fsync: the caller does one).
[[nodiscard]] Status RemoveWalSnapshotsBefore(const std::string& dir, uint64_t sequence);

}  // namespace roadsense::queue
