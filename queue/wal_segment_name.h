// Segment and snapshot file names ("wal-00000000000000000001.log"), built and parsed in this one
// place.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace roadsense::queue {

// "wal-<first sequence, 20 digits>.log".
std::string WalSegmentName(uint64_t first_sequence);
// The first sequence number encoded in `file_name`, or nullopt when it is not a segment name.
std::optional<uint64_t> ParseWalSegmentName(std::string_view file_name);

// "snapshot-<sequence, 20 digits>.dat" (wal_format.md, "Snapshots and space reclamation").
std::string WalSnapshotName(uint64_t sequence);
std::optional<uint64_t> ParseWalSnapshotName(std::string_view file_name);

}  // namespace roadsense::queue
