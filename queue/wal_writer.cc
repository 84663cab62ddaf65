#include "queue/wal_writer.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/digest.h"
#include "queue/wal_segment_name.h"

namespace roadsense::queue {
namespace {

void PutFixed32(char* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<char>(v >> (8 * i));
}
void PutFixed64(char* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<char>(v >> (8 * i));
}

Status ErrnoStatus(const std::string& what, const std::string& path) {
  return IoError(what + " " + path + ": " + std::strerror(errno));
}

}  // namespace

Status SyncDirectory(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("open", dir);
  const int rc = ::fsync(fd);
  ::close(fd);
  return rc == 0 ? Status::Ok() : ErrnoStatus("fsync", dir);
}

WalWriter::WalWriter(WalWriterOptions options, uint64_t next_sequence)
    : options_(std::move(options)),
      next_sequence_(next_sequence),
      preparer_(std::make_unique<WalSegmentPreparer>(options_.dir, options_.segment_target_bytes)) {
}

WalWriter::~WalWriter() {
  if (fd_ < 0) return;
  // Not synced: should the cut be lost, recovery reads the zeros as the end of the log.
  if (file_bytes_ > segment_bytes_) (void)::ftruncate(fd_, static_cast<off_t>(segment_bytes_));
  ::close(fd_);
}

Result<std::unique_ptr<WalWriter>> WalWriter::Open(WalWriterOptions options,
                                                   uint64_t next_sequence) {
  std::unique_ptr<WalWriter> writer(new WalWriter(std::move(options), next_sequence));
  RS_RETURN_IF_ERROR(writer->OpenSegment(next_sequence, /*wait_for_prepared=*/true));
  return writer;
}

Status WalWriter::OpenSegment(uint64_t first_sequence, bool wait_for_prepared) {
  const std::string path = options_.dir + "/" + WalSegmentName(first_sequence);
  Result<int> prepared = preparer_->Take(wait_for_prepared);
  if (prepared.ok() && ::rename(preparer_->path().c_str(), path.c_str()) != 0) {
    const Status error = ErrnoStatus("rename " + preparer_->path() + " to", path);
    ::close(*prepared);
    prepared = error;
  }
  int fd = -1;
  uint64_t file_bytes = 0;
  if (prepared.ok()) {
    fd = *prepared;
    file_bytes = preparer_->bytes();
    if (growing_logged_) spdlog::info("WAL segment {} is pre-sized again", path);
    growing_logged_ = false;
  } else {
    // Never wait for, or fail on, a preparation: the segment grows with each write instead.
    if (!growing_logged_) {
      spdlog::warn("WAL segment {} is not pre-sized, it grows with each write (slower fsyncs): {}",
                   path, prepared.status().ToString());
    }
    growing_logged_ = true;
    fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return ErrnoStatus("open", path);
  }
  // The new name must be durable before any record in it is acknowledged.
  if (Status s = SyncDirectory(options_.dir); !s.ok()) {
    ::close(fd);
    return s;
  }
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
  segment_path_ = path;
  segment_first_sequence_ = first_sequence;
  segment_bytes_ = 0;
  file_bytes_ = file_bytes;
  preparer_->PrepareAhead();
  return Status::Ok();
}

Status WalWriter::FinishSegment() {
  if (file_bytes_ == segment_bytes_) return Status::Ok();
  // Only the last segment may end in zeros (a bad record in any other is corruption), so the cut
  // must be durable before a record of the next segment is acknowledged.
  if (::ftruncate(fd_, static_cast<off_t>(segment_bytes_)) != 0) {
    return ErrnoStatus("ftruncate", segment_path_);  // the next write tries the roll again
  }
  if (::fsync(fd_) != 0) {
    usable_ = false;  // a failed fsync cannot be retried safely
    return ErrnoStatus("fsync", segment_path_);
  }
  file_bytes_ = segment_bytes_;
  return Status::Ok();
}

Status WalWriter::Roll() {
  // Records in the old segment were fsynced by the Sync() that followed their Write().
  RS_RETURN_IF_ERROR(FinishSegment());
  return OpenSegment(buffer_first_sequence_, options_.roll_waits_for_prepared);
}

uint64_t WalWriter::Add(WalRecordType type, std::string_view payload) {
  const uint64_t sequence = next_sequence_++;
  if (buffer_.empty()) buffer_first_sequence_ = sequence;
  const size_t start = buffer_.size();
  buffer_offsets_.push_back(start);
  buffer_.resize(start + kWalHeaderBytes);
  buffer_.append(payload);
  char* header = buffer_.data() + start;
  PutFixed32(header + 4, static_cast<uint32_t>(payload.size()));
  header[8] = static_cast<char>(type);
  PutFixed64(header + 9, sequence);
  // CRC covers type, sequence and payload: everything after the length field.
  const uint32_t crc = Crc32c(header + 8, buffer_.size() - start - 8);
  PutFixed32(header, MaskCrc(crc));
  return sequence;
}

Status WalWriter::Write() {
  if (buffer_.empty()) return Status::Ok();
  if (segment_bytes_ >= options_.segment_target_bytes) {
    if (Status s = Roll(); !s.ok()) return DropBuffer(s);
  }
  const char* p = buffer_.data();
  size_t left = buffer_.size();
  uint64_t at = segment_bytes_;
  while (left > 0) {
    const ssize_t n = ::pwrite(fd_, p, left, static_cast<off_t>(at));
    if (n < 0) {
      if (errno == EINTR) continue;
      return DropBuffer(ErrnoStatus("write", segment_path_));
    }
    p += n;
    at += static_cast<uint64_t>(n);
    left -= static_cast<size_t>(n);
  }
  file_bytes_ = std::max(file_bytes_, at);
  written_segment_ = segment_first_sequence_;
  written_base_ = segment_bytes_;
  written_first_ = buffer_first_sequence_;
  written_offsets_.swap(buffer_offsets_);
  written_offsets_.push_back(buffer_.size());
  buffer_offsets_.clear();
  segment_bytes_ += buffer_.size();
  written_sequence_ = next_sequence_ - 1;
  buffer_.clear();
  return Status::Ok();
}

WalLocation WalWriter::WrittenLocation(uint64_t sequence) const {
  if (written_offsets_.empty() || sequence < written_first_ ||
      sequence - written_first_ + 1 >= written_offsets_.size()) {
    return {};
  }
  const size_t i = sequence - written_first_;
  const uint64_t offset = written_base_ + written_offsets_[i];
  const uint64_t length = written_offsets_[i + 1] - written_offsets_[i];
  if (offset > UINT32_MAX || length > UINT32_MAX) return {};
  return {written_segment_, sequence, static_cast<uint32_t>(offset), static_cast<uint32_t>(length)};
}

Status WalWriter::DropBuffer(Status error) {
  // A full disk takes part of a group (a short write, then ENOSPC). Left in place, that torn
  // record followed by the next group's records would read as corruption on recovery. In a
  // pre-sized segment the torn bytes lie before zeros, and a shorter next group would leave some
  // of them after its records: cutting the zeros too leaves nothing stale (the segment grows).
  buffer_.clear();
  buffer_offsets_.clear();
  next_sequence_ = buffer_first_sequence_;
  if (::ftruncate(fd_, static_cast<off_t>(segment_bytes_)) != 0) {
    usable_ = false;
    return IoError(error.message() + "; then ftruncate " + segment_path_ + ": " +
                   std::strerror(errno));
  }
  file_bytes_ = segment_bytes_;
  return error;
}

Status WalWriter::Sync() {
  return ::fdatasync(fd_) == 0 ? Status::Ok() : ErrnoStatus("fdatasync", segment_path_);
}

}  // namespace roadsense::queue
