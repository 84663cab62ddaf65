// DeadlineSocket: blocking send and receive on a connected plain TCP socket, each bounded by a
// deadline, in as few system calls as the kernel allows: a request leaves in one sendmsg(2), and
// one recv(2) both waits for the response and reads it — instead of a non-blocking recv that
// finds nothing, an epoll_wait and a second recv.
//
// Deadlines are kept with SO_SNDTIMEO / SO_RCVTIMEO, never past `deadline`: before blocking, the
// socket's timeout is lowered to the time left when that is shorter than the timeout set before.
// Timeouts are at most kMaxWait, so calls whose deadline is seconds away (the usual case) change
// no socket option at all; a call that waits longer wakes up every kMaxWait to check its deadline.
//
// Not thread-safe (one exchange at a time, like the HttpClient that owns it). Does not own the fd.
#pragma once

#include <sys/uio.h>

#include <chrono>
#include <cstddef>
#include <span>

#include "core/status.h"

namespace roadsense::net {

class DeadlineSocket {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::chrono::microseconds kMaxWait{1'000'000};

  // `fd`: a connected stream socket, switched to blocking mode here. Its SO_SNDTIMEO and
  // SO_RCVTIMEO belong to this object from now on.
  static Result<DeadlineSocket> Adopt(int fd);

  // Writes every byte of `parts` (their iov_base/iov_len are advanced as bytes leave). Errors:
  // kDeadlineExceeded, kUnavailable (the system's reason, e.g. "Connection reset by peer").
  Status SendAll(std::span<iovec> parts, Clock::time_point deadline);

  // Waits for and reads up to `size` bytes into `data`; 0 means the peer closed the connection.
  // Errors as SendAll.
  Result<size_t> ReceiveSome(void* data, size_t size, Clock::time_point deadline);

 private:
  explicit DeadlineSocket(int fd) : fd_(fd) {}
  // Makes the socket's `option` timeout (SO_SNDTIMEO / SO_RCVTIMEO, currently `*set`) end no
  // later than `deadline`. kDeadlineExceeded when the deadline has passed.
  Status WaitNoLongerThan(int option, std::chrono::microseconds* set, Clock::time_point deadline);

  int fd_;
  std::chrono::microseconds send_timeout_{0};     // 0: not set yet (the kernel's 0 is "forever")
  std::chrono::microseconds receive_timeout_{0};  // likewise
};

}  // namespace roadsense::net
