// libFuzzer target: roadsense-queue's write-ahead log recovery — segment framing and torn-tail vs
// corruption decisions (queue/wal_reader.h), record payload decoding (queue/wal_record.h) and,
// optionally, replay into a QueueEngine (QueueEngine::Open).
//
// Input: one selector byte, then the bytes of segment file wal-00000000000000000001.log.
//   - bit 0: before writing, the harness walks the records and stores a correct CRC in each
//     header (lengths, types and sequences stay as fuzzed), so that payload decoding is reached
//     and not only the checksum test.
//   - bit 1: a second segment follows, so the fuzzed one is not the last: damage must be reported
//     as corruption, never truncated as a torn tail.
//   - bit 2: replay through QueueEngine::Open (reader + decoder + Apply of every record) instead
//     of the bare reader.
// Checked: no crash, no over-read (ASan), recovery fails only with kCorruption (or
// kFailedPrecondition: an encrypted record, and the harness configures no keys); every decoded
// payload re-encodes to bytes that decode and re-encode to the same bytes.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "core/digest.h"
#include "core/logging.h"
#include "queue/queue_engine.h"
#include "queue/wal_format.h"
#include "queue/wal_reader.h"
#include "queue/wal_record.h"
#include "queue/wal_segment_name.h"

namespace {

namespace fs = std::filesystem;
using namespace roadsense::queue;

void Check(bool condition, const char* what) {
  if (condition) return;
  std::fprintf(stderr, "wal_reader_fuzzer: %s\n", what);
  std::abort();
}

uint32_t Load32(const std::string& s, size_t at) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(s[at + i]);
  return v;
}

void Store32(std::string* s, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) (*s)[at + i] = static_cast<char>(v >> (8 * i));
}

// Stores the masked CRC32C of each complete record's type, sequence and payload in its header.
void FixChecksums(std::string* segment) {
  size_t at = 0;
  while (segment->size() - at >= kWalHeaderBytes) {
    const uint32_t length = Load32(*segment, at + 4);
    if (length > segment->size() - at - kWalHeaderBytes) break;
    Store32(segment, at, MaskCrc(roadsense::Crc32c(segment->data() + at + 8, 9 + length)));
    at += kWalHeaderBytes + length;
  }
}

void WriteFile(const fs::path& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  Check(out.good(), "cannot write the segment file");
}

// How recovery may fail on damaged bytes (wal_reader.h, wal_record.h): kCorruption, or
// kFailedPrecondition for an encrypted record whose key is not configured (the harness gives no
// keys).
bool Expected(const roadsense::Status& status) {
  return status.code() == roadsense::StatusCode::kCorruption ||
         status.code() == roadsense::StatusCode::kFailedPrecondition;
}

roadsense::Status DecodeAndRoundTrip(uint64_t /*sequence*/, WalRecordType type,
                                     std::string_view payload) {
  auto record = DecodeWalPayload(type, payload);
  if (!record.ok()) {
    Check(Expected(record.status()), "DecodeWalPayload failed with an undocumented code");
    return record.status();
  }
  std::string once;
  EncodeWalPayload(*record, &once);
  auto again = DecodeWalPayload(TypeOf(*record), once);
  Check(again.ok(), "a re-encoded record does not decode");
  std::string twice;
  EncodeWalPayload(*again, &twice);
  Check(once == twice, "re-encoding a decoded record is not stable");
  return roadsense::Status::Ok();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const fs::path dir =
      (fs::exists("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path()) /
      ("roadsense-fuzz-wal-" + std::to_string(::getpid()));
  static const bool quiet = [] {
    roadsense::InitLogging("fuzz_wal_reader", "error");  // recovery logs every truncation
    return true;
  }();
  (void)quiet;
  if (size == 0) return 0;
  const uint8_t selector = data[0];
  std::string segment(reinterpret_cast<const char*>(data + 1), size - 1);
  if (selector & 1) FixChecksums(&segment);

  fs::remove_all(dir);
  fs::create_directories(dir);
  WriteFile(dir / WalSegmentName(1), segment);
  // Empty, and numbered far beyond any sequence the first segment could reach.
  if (selector & 2) WriteFile(dir / WalSegmentName(uint64_t{1} << 40), "");

  roadsense::Status status;
  if (selector & 4) {
    QueueEngineOptions options;
    options.data_dir = dir.string();
    options.segment_target_bytes = 64 << 10;  // the writer zero-fills its first segment at Open
    auto engine = QueueEngine::Open(options);
    status = engine.status();
  } else {
    WalReader reader(dir.string());
    status = reader.Recover(DecodeAndRoundTrip).status();
  }
  if (!status.ok() && !Expected(status)) {
    std::fprintf(stderr, "%s\n", status.ToString().c_str());
    Check(false, "recovery failed with an undocumented code");
  }
  return 0;
}
