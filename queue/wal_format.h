// Constants shared by WalWriter and WalReader. The format is described in queue/wal_format.md.
#pragma once

#include <cstddef>
#include <cstdint>

namespace roadsense::queue {

// Header is crc32c (4 bytes), payload length (4 bytes), type (1 byte), sequence number (8 bytes).
inline constexpr size_t kWalHeaderBytes = 17;
// A payload larger than this is corruption (the largest legal record is a 1 MiB message).
inline constexpr uint32_t kMaxPayloadBytes = 16u << 20;
// The writer rolls to a new segment before a write once the current one has reached this size.
inline constexpr uint64_t kSegmentTargetBytes = 64ull << 20;

enum class WalRecordType : uint8_t {
  kCreateQueue = 1,
  kSend = 2,
  kDelete = 3,
  kDeleteQueue = 4,
  kPurgeQueue = 5,
  kSetQueueAttributes = 6,
  kReceive = 7,
  kTagQueue = 8,
  kEncryptedSend = 9,  // format version 5: a Send whose user data is sealed (AES-256-GCM)
};
inline constexpr uint8_t kMaxWalRecordType = 9;

// Where one framed record lies in the log: the segment file (named after its first sequence
// number), the record's byte offset in it and its framed length (header + payload). Records that
// are not (known to be) in the log have segment 0. Offsets beyond 4 GiB are not represented: such
// a record's location is unknown (segments are rolled at kSegmentTargetBytes, far below).
struct WalLocation {
  uint64_t segment = 0;   // first sequence number of the segment file; 0: unknown
  uint64_t sequence = 0;  // the record's sequence number
  uint32_t offset = 0;    // byte offset of the record's header in the segment
  uint32_t length = 0;    // kWalHeaderBytes + payload length
  bool known() const { return segment != 0; }
  bool operator==(const WalLocation&) const = default;
};

// LevelDB's CRC mask: a CRC stored inside data that is itself CRC'ed should not be raw.
inline uint32_t MaskCrc(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + 0xa282ead8u; }

}  // namespace roadsense::queue
