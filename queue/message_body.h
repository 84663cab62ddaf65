// MessageBody: the body of a stored message, held in memory or only in the write-ahead log.
//
// A body starts in memory. Once the Send record that holds it is written (Written()), the log has
// it durably, so memory may let it go: it stays in memory only while the bodies kept stay within
// a Budget (first come, first kept: a body written when the budget is full lives only in the
// log; memory is given back when a kept message goes). A body not in memory is read back with a
// WalBodyReader at location(), which reclamation updates when it copies the record forward.
// A body is never dropped before its record is written, so nothing acknowledged depends on it.
//
// Thread-safe: the text and location are guarded by one of a few striped mutexes (a mutex per
// message would cost more memory than the metadata it guards).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "queue/wal_format.h"

namespace roadsense::queue {

class MessageBody {
 public:
  // Bytes of bodies kept in memory, at most max_bytes (once their records are written).
  class Budget {
   public:
    explicit Budget(uint64_t max_bytes) : max_bytes_(max_bytes) {}
    uint64_t max_bytes() const { return max_bytes_; }
    uint64_t bytes() const { return bytes_.load(std::memory_order_relaxed); }

   private:
    friend class MessageBody;
    bool Reserve(uint64_t n);
    void Release(uint64_t n) { bytes_.fetch_sub(n, std::memory_order_relaxed); }

    const uint64_t max_bytes_;
    std::atomic<uint64_t> bytes_{0};
  };

  MessageBody() = default;
  ~MessageBody();
  MessageBody(const MessageBody&) = delete;
  MessageBody& operator=(const MessageBody&) = delete;
  // In memory, not (yet) known to be in the log.
  MessageBody& operator=(std::string text);

  // The text when in memory (true), else false and *location where its record lies. The text
  // is not copied: it stays valid and unchanged as long as this MessageBody, because only the
  // first Written() with a known location and a budget may drop it, and QueueEngine makes that
  // call before the message is shared (receives answer from the view without a copy).
  bool View(std::string_view* text, WalLocation* location) const;
  WalLocation location() const;
  bool in_memory() const;

  // Its Send record was written at `location` (a first write, or a copy made by reclamation).
  // On the first, the text stays in memory only if `budget` (if given) has room for it.
  // Unknown locations are ignored (the text stays).
  void Written(const WalLocation& location, const std::shared_ptr<Budget>& budget);

 private:
  std::string text_;
  WalLocation location_;
  std::shared_ptr<Budget> budget_;  // set while text_ counts against it (outlives the engine)
  bool in_memory_ = true;
};

}  // namespace roadsense::queue
