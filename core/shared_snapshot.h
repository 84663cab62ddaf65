// SharedSnapshot<T>: a std::shared_ptr<const T> that one thread replaces now and then (a reload on
// SIGHUP, the server's base URL once its port is known) while other threads take snapshots of it
// for the duration of a request.
//
// A mutex, not std::atomic<std::shared_ptr<const T>>: libstdc++ 12's atomic load releases its
// internal lock bit with memory_order_relaxed, so a load and a later store are not ordered by
// happens-before — a data race by the standard's rules, which ThreadSanitizer reports. Uncontended,
// the mutex costs about as much as that lock bit. The value a store replaces is released after the
// mutex, so a snapshot's destructor never runs under it.
//
// Thread-safe.
#pragma once

#include <memory>
#include <mutex>
#include <utility>

namespace roadsense {

template <typename T>
class SharedSnapshot {
 public:
  explicit SharedSnapshot(std::shared_ptr<const T> value = nullptr) : value_(std::move(value)) {}
  SharedSnapshot(const SharedSnapshot&) = delete;
  SharedSnapshot& operator=(const SharedSnapshot&) = delete;

  std::shared_ptr<const T> load() const {
    std::lock_guard lock(mu_);
    return value_;
  }

  void store(std::shared_ptr<const T> value) {
    {
      std::lock_guard lock(mu_);
      value_.swap(value);
    }
    // `value` now holds the old one, released here, outside the mutex.
  }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const T> value_;
};

}  // namespace roadsense
