#include "queue/wal_segment_preparer.h"

#include <fcntl.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "queue/wal_segment_name.h"

namespace roadsense::queue {
namespace {

constexpr size_t kZeroChunkBytes = 1 << 20;

Status ErrnoStatus(const std::string& what, const std::string& path) {
  return IoError(what + " " + path + ": " + std::strerror(errno));
}

}  // namespace

WalSegmentPreparer::WalSegmentPreparer(std::string dir, uint64_t bytes)
    : dir_(std::move(dir)),
      path_(dir_ + "/" + std::string(kWalPreparedSegmentName)),
      bytes_(bytes) {
  // Left by a crash, complete or not: it never holds records, and it is rebuilt on demand.
  ::unlink(path_.c_str());
  thread_ = std::thread([this] { Run(); });
}

WalSegmentPreparer::~WalSegmentPreparer() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
  if (ready_fd_ >= 0) ::close(ready_fd_);
  ::unlink(path_.c_str());
}

void WalSegmentPreparer::PrepareAhead() {
  std::lock_guard lock(mu_);
  if (state_ != State::kIdle) return;
  state_ = State::kPreparing;
  requested_ = true;
  cv_.notify_all();
}

Result<int> WalSegmentPreparer::Take(bool wait) {
  std::unique_lock lock(mu_);
  if (wait) {
    if (state_ == State::kIdle && failure_.ok()) {
      state_ = State::kPreparing;
      requested_ = true;
      cv_.notify_all();
    }
    cv_.wait(lock, [&] { return state_ != State::kPreparing; });
  }
  if (state_ == State::kReady) {
    state_ = State::kIdle;
    return std::exchange(ready_fd_, -1);
  }
  if (!failure_.ok()) return std::exchange(failure_, Status::Ok());
  if (state_ == State::kPreparing) {
    return Unavailable("the next segment " + path_ + " is still being zero-filled");
  }
  return Unavailable("no segment was prepared in " + dir_);
}

void WalSegmentPreparer::Run() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return stop_ || requested_; });
    if (stop_) return;
    requested_ = false;
    lock.unlock();
    Result<int> fd = ZeroFill();
    lock.lock();
    if (fd.ok()) {
      ready_fd_ = *fd;
      state_ = State::kReady;
    } else {
      failure_ = fd.status();
      state_ = State::kIdle;
    }
    cv_.notify_all();
  }
}

Result<int> WalSegmentPreparer::ZeroFill() {
  struct statvfs fs {};
  if (::statvfs(dir_.c_str(), &fs) != 0) return ErrnoStatus("statvfs", dir_);
  const uint64_t free_bytes = static_cast<uint64_t>(fs.f_bavail) * fs.f_frsize;
  if (free_bytes / 2 < bytes_) {
    return IoError("only " + std::to_string(free_bytes) + " bytes free in " + dir_ +
                   ": preparing a segment of " + std::to_string(bytes_) +
                   " bytes needs twice that");
  }
  const int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoStatus("open", path_);
  // A failed preparation must not keep the space it took: the log may need it.
  auto fail = [&](Status error) -> Result<int> {
    ::close(fd);
    ::unlink(path_.c_str());
    return error;
  };
  const std::vector<char> zeros(std::min<uint64_t>(bytes_, kZeroChunkBytes), 0);
  for (uint64_t done = 0; done < bytes_;) {
    if (stop_) return fail(Unavailable("preparing " + path_ + " stopped"));
    const ssize_t n = ::write(fd, zeros.data(), std::min<uint64_t>(zeros.size(), bytes_ - done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(ErrnoStatus("write", path_));
    done += static_cast<uint64_t>(n);
  }
  if (::fdatasync(fd) != 0) return fail(ErrnoStatus("fdatasync", path_));
  return fd;
}

}  // namespace roadsense::queue
