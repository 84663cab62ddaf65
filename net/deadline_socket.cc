#include "net/deadline_socket.h"

#include <fcntl.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace roadsense::net {
namespace {

Status SystemError(const char* what, int error) {
  return Unavailable(std::string(what) + ": " + std::strerror(error));
}

Status DeadlinePassed() { return Status(StatusCode::kDeadlineExceeded, "deadline passed"); }

}  // namespace

Result<DeadlineSocket> DeadlineSocket::Adopt(int fd) {
  const int flags = fcntl(fd, F_GETFL);
  if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0) {
    return SystemError("cannot make the socket blocking", errno);
  }
  return DeadlineSocket(fd);
}

Status DeadlineSocket::WaitNoLongerThan(int option, std::chrono::microseconds* set,
                                        Clock::time_point deadline) {
  const auto left = std::chrono::ceil<std::chrono::microseconds>(deadline - Clock::now());
  if (left.count() <= 0) return DeadlinePassed();
  const auto wait = std::min(left, kMaxWait);
  // Lower the timeout when the deadline is nearer than it; raise it back to kMaxWait once a
  // later call has time again (so that a short call does not leave later ones waking often).
  if (set->count() == 0 || wait < *set || (wait == kMaxWait && *set < kMaxWait)) {
    const timeval tv{static_cast<time_t>(wait.count() / 1'000'000),
                     static_cast<suseconds_t>(wait.count() % 1'000'000)};
    if (setsockopt(fd_, SOL_SOCKET, option, &tv, sizeof(tv)) != 0) {
      return SystemError("cannot set the socket timeout", errno);
    }
    *set = wait;
  }
  return Status::Ok();
}

Status DeadlineSocket::SendAll(std::span<iovec> parts, Clock::time_point deadline) {
  while (!parts.empty()) {
    if (parts.front().iov_len == 0) {
      parts = parts.subspan(1);
      continue;
    }
    RS_RETURN_IF_ERROR(WaitNoLongerThan(SO_SNDTIMEO, &send_timeout_, deadline));
    msghdr message{};
    message.msg_iov = parts.data();
    message.msg_iovlen = parts.size();
    // MSG_NOSIGNAL: a peer that closed gives EPIPE, not a process-killing SIGPIPE.
    const ssize_t sent = sendmsg(fd_, &message, MSG_NOSIGNAL);
    if (sent < 0) {
      if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
        continue;  // timed out: recheck
      return SystemError("send", errno);
    }
    for (size_t left = static_cast<size_t>(sent); left > 0;) {
      iovec& part = parts.front();
      const size_t taken = std::min(left, part.iov_len);
      part.iov_base = static_cast<char*>(part.iov_base) + taken;
      part.iov_len -= taken;
      left -= taken;
      if (part.iov_len == 0) parts = parts.subspan(1);
    }
  }
  return Status::Ok();
}

Result<size_t> DeadlineSocket::ReceiveSome(void* data, size_t size, Clock::time_point deadline) {
  for (;;) {
    RS_RETURN_IF_ERROR(WaitNoLongerThan(SO_RCVTIMEO, &receive_timeout_, deadline));
    const ssize_t got = recv(fd_, data, size, 0);
    if (got >= 0) return static_cast<size_t>(got);
    if (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK) {
      return SystemError("recv", errno);
    }
  }
}

}  // namespace roadsense::net
