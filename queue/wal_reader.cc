#include "queue/wal_reader.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include "core/digest.h"
#include "queue/wal_segment_name.h"

namespace roadsense::queue {
namespace {

uint32_t LoadFixed32(const char* p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}
uint64_t LoadFixed64(const char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

Result<std::string> ReadWholeFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return IoError("open " + path + ": " + std::strerror(errno));
  std::string data;
  if (struct stat st{}; ::fstat(fd, &st) == 0) data.reserve(static_cast<size_t>(st.st_size));
  char buf[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      return IoError("read " + path + ": " + std::strerror(err));
    }
    if (n == 0) break;
    data.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return data;
}

// One past the last non-zero byte of data[from, size), or `from` when that range is all zeros.
// memcmp against a block of zeros keeps this fast over the zero tail of a pre-sized segment.
size_t EndOfNonZero(std::string_view data, size_t from) {
  static constexpr size_t kBlock = 4096;
  static const char kZeros[kBlock] = {};
  size_t end = data.size();
  while (end - from >= kBlock && std::memcmp(data.data() + end - kBlock, kZeros, kBlock) == 0) {
    end -= kBlock;
  }
  while (end > from && data[end - 1] == 0) --end;
  return end;
}

Status TruncateFile(const std::string& path, uint64_t size) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return IoError("open " + path + ": " + std::strerror(errno));
  const bool ok = ::ftruncate(fd, static_cast<off_t>(size)) == 0 && ::fdatasync(fd) == 0;
  const int err = errno;
  ::close(fd);
  return ok ? Status::Ok() : IoError("truncate " + path + ": " + std::strerror(err));
}

}  // namespace

struct WalReader::Segment {
  uint64_t first_sequence;
  std::string path;
};

WalReader::Check WalReader::CheckRecord(std::string_view data, size_t offset, uint64_t expected,
                                        std::string* reason) {
  if (data.size() - offset < kWalHeaderBytes) {
    *reason = "incomplete header";
    return Check::kIncomplete;
  }
  const char* header = data.data() + offset;
  const uint32_t length = LoadFixed32(header + 4);
  if (length > kMaxPayloadBytes) {
    *reason = "payload length " + std::to_string(length) + " exceeds limit";
    return Check::kBad;
  }
  if (data.size() - offset - kWalHeaderBytes < length) {
    *reason = "incomplete payload";
    return Check::kIncomplete;
  }
  if (MaskCrc(Crc32c(header + 8, 9 + length)) != LoadFixed32(header)) {
    *reason = "checksum mismatch";
    return Check::kBad;
  }
  const auto type = static_cast<uint8_t>(header[8]);
  if (type == 0 || type > kMaxWalRecordType) {
    *reason = "unknown record type " + std::to_string(type);
    return Check::kBad;
  }
  const uint64_t sequence = LoadFixed64(header + 9);
  if (sequence != expected) {
    *reason = "sequence " + std::to_string(sequence) + ", expected " + std::to_string(expected);
    return Check::kBad;
  }
  return Check::kValid;
}

bool WalReader::ValidRecordFollows(std::string_view data, size_t offset, uint64_t expected) {
  // A later record can only carry a sequence number in (expected, expected + records that fit];
  // that cheap filter keeps the CRC checks, and so the scan, linear in practice.
  const uint64_t max_sequence = expected + (data.size() - offset) / kWalHeaderBytes;
  // Its header holds that non-zero sequence number, so it starts before the last non-zero byte:
  // the zero tail of a pre-sized segment (up to 64 MiB) is not scanned offset by offset.
  const size_t end = EndOfNonZero(data, offset);
  std::string reason;
  for (size_t at = offset + 1; at < end && at + kWalHeaderBytes <= data.size(); ++at) {
    const uint64_t sequence = LoadFixed64(data.data() + at + 9);
    if (sequence <= expected || sequence > max_sequence) continue;
    if (CheckRecord(data, at, sequence, &reason) == Check::kValid) return true;
  }
  return false;
}

Status WalReader::ReadSegment(const Segment& segment, bool is_last, uint64_t* expected,
                              WalRecoveryResult* result, const RecordCallback& on_record) {
  auto data_or = ReadWholeFile(segment.path);
  if (!data_or.ok()) return data_or.status();
  const std::string_view data = *data_or;
  if (segment.first_sequence != *expected) {
    return Corruption("WAL segment " + segment.path + " at offset 0: starts at sequence " +
                      std::to_string(segment.first_sequence) + ", expected " +
                      std::to_string(*expected));
  }
  size_t offset = 0;
  std::string reason;
  while (offset < data.size()) {
    const Check check = CheckRecord(data, offset, *expected, &reason);
    if (check != Check::kValid) {
      if (!is_last || ValidRecordFollows(data, offset, *expected)) {
        return Corruption("corrupt WAL record in segment " + segment.path + " at offset " +
                          std::to_string(offset) + ": " + reason);
      }
      // Zeros up to the end: the unused rest of a pre-sized segment, not a torn record.
      if (EndOfNonZero(data, offset) == offset) {
        spdlog::info("WAL segment {}: end of log at offset {}, cutting {} zero bytes", segment.path,
                     offset, data.size() - offset);
        result->zero_tail_bytes = data.size() - offset;
      } else {
        spdlog::info("WAL segment {}: truncating torn tail of {} bytes at offset {} ({})",
                     segment.path, data.size() - offset, offset, reason);
        result->truncated_bytes = data.size() - offset;
      }
      RS_RETURN_IF_ERROR(TruncateFile(segment.path, offset));
      return Status::Ok();
    }
    const char* header = data.data() + offset;
    const uint32_t length = LoadFixed32(header + 4);
    const auto type = static_cast<WalRecordType>(header[8]);
    location_ = {};
    if (offset + kWalHeaderBytes + length <= UINT32_MAX) {
      location_ = {segment.first_sequence, *expected, static_cast<uint32_t>(offset),
                   static_cast<uint32_t>(kWalHeaderBytes + length)};
    }
    if (Status s = on_record(*expected, type, data.substr(offset + kWalHeaderBytes, length));
        !s.ok()) {
      return Status(s.code(), "WAL segment " + segment.path + " at offset " +
                                  std::to_string(offset) + ": " + s.message());
    }
    ++*expected;
    ++result->records;
    offset += kWalHeaderBytes + length;
  }
  return Status::Ok();
}

Result<WalRecoveryResult> WalReader::Recover(const RecordCallback& on_record) {
  std::vector<Segment> segments;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir_, ec)) {
    const std::string name = entry.path().filename().string();
    if (const auto first = ParseWalSegmentName(name)) {
      segments.push_back({*first, entry.path().string()});
    } else if (name == kWalPreparedSegmentName) {
      continue;  // zeros only; the writer replaces it
    } else if (name.starts_with("wal-")) {
      spdlog::warn("ignoring file {} in the data directory: not a WAL segment name", name);
    }
  }
  if (ec) return IoError("list " + dir_ + ": " + ec.message());
  std::sort(segments.begin(), segments.end(),
            [](const Segment& a, const Segment& b) { return a.first_sequence < b.first_sequence; });

  WalRecoveryResult result;
  uint64_t expected = segments.empty() ? 1 : segments.front().first_sequence;
  for (size_t i = 0; i < segments.size(); ++i) {
    RS_RETURN_IF_ERROR(
        ReadSegment(segments[i], i + 1 == segments.size(), &expected, &result, on_record));
  }
  result.next_sequence = expected;
  result.segments = segments.size();
  return result;
}

}  // namespace roadsense::queue
