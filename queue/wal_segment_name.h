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

// The next segment, zero-filled ahead of time and renamed to its segment name when the writer
// rolls to it (wal_format.md, "Files"). Never holds records; recovery ignores it.
inline constexpr std::string_view kWalPreparedSegmentName = "wal-next.prep";

// "snapshot-<sequence, 20 digits>.dat" (wal_format.md, "Snapshots and space reclamation").
std::string WalSnapshotName(uint64_t sequence);
std::optional<uint64_t> ParseWalSnapshotName(std::string_view file_name);

}  // namespace roadsense::queue
