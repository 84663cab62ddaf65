// Status and Result<T>: the error-returning convention on every I/O path.
//
// Exceptions are used only at process boundaries (main, third-party callbacks); everything that
// can fail because of the environment (network, disk, database, bad input) returns a Status or a
// Result<T>. Both are cheap to move and must not be ignored ([[nodiscard]]).
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace roadsense {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,     // the caller's input is wrong; retrying the same input will fail again
  kNotFound,            // the named thing does not exist
  kAlreadyExists,       // the named thing exists (and differs)
  kFailedPrecondition,  // the system is not in a state that allows the call
  kResourceExhausted,   // a limit was hit (memory, in-flight, disk); retry later
  kUnavailable,         // a dependency is down or unreachable; retry later
  kDeadlineExceeded,    // a timeout elapsed
  kCorruption,          // stored data failed a check (CRC, framing)
  kIoError,             // the operating system refused an I/O call
  kUnauthenticated,     // no or bad credentials
  kPermissionDenied,    // valid credentials without the right
  kInternal,            // a bug or an impossible state
};

const char* StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "InvalidArgument: message" (or "OK").
  std::string ToString() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status InvalidArgument(std::string m) {
  return {StatusCode::kInvalidArgument, std::move(m)};
}
inline Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
inline Status Unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
inline Status IoError(std::string m) { return {StatusCode::kIoError, std::move(m)}; }
inline Status Corruption(std::string m) { return {StatusCode::kCorruption, std::move(m)}; }
inline Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

// Either a T or a non-OK Status. Accessing value() of an error is a bug (asserted).
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}        // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {  // NOLINT
    assert(!std::get<Status>(v_).ok() && "Result built from an OK status");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & {
    assert(ok());
    return std::get<T>(v_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<T>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<T>(std::move(v_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace roadsense

// Returns early from the enclosing function if `expr` (a Status) is not OK.
#define RS_RETURN_IF_ERROR(expr)             \
  do {                                       \
    ::roadsense::Status rs_status_ = (expr); \
    if (!rs_status_.ok()) return rs_status_; \
  } while (0)
