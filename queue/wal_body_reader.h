// WalBodyReader: reads a message body back from its Send record in the write-ahead log
// (queue/wal_format.md), for messages whose body is not kept in memory (MessageBody).
//
// Each read is one pread(2) of one framed record, checked like recovery checks it (CRC-32C,
// length, type, sequence number) and then decoded — an EncryptedSend opened with the engine's
// keys — and matched against the message id, so damaged or misplaced bytes are an error, never a
// wrong body. It never relies on the page cache for correctness, only for speed.
//
// Thread-safe. Keeps a read-only descriptor per segment it has read (at most kMaxOpenSegments,
// then they are all closed and reopened on demand); Forget() closes a segment's before
// reclamation unlinks it. A read racing with that gets kIoError (ENOENT); reclamation deletes
// only segments no live message lies in, so such a caller's message was copied forward (read
// again at its new location) or is gone.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "core/status.h"
#include "queue/message_id.h"
#include "queue/wal_cipher.h"
#include "queue/wal_format.h"

namespace roadsense::queue {

class WalBodyReader {
 public:
  static constexpr size_t kMaxOpenSegments = 64;

  // `cipher` (null without encryption keys) must outlive the reader.
  WalBodyReader(std::string dir, const WalCipher* cipher) : dir_(std::move(dir)), cipher_(cipher) {}

  // The body held by the Send (or EncryptedSend) record of message `id` at `location`.
  // kCorruption when the bytes there are not that record; kIoError when they cannot be read;
  // kFailedPrecondition when an EncryptedSend's key is not in the keyring.
  Result<std::string> ReadBody(const WalLocation& location, const MessageId& id);
  // Closes the descriptor of segment `segment` (its first sequence number), if open.
  void Forget(uint64_t segment);
  // Bodies read so far.
  uint64_t reads() const { return reads_.load(std::memory_order_relaxed); }

 private:
  struct OpenFile;
  Result<std::shared_ptr<OpenFile>> Open(uint64_t segment);

  const std::string dir_;
  const WalCipher* const cipher_;
  std::mutex mu_;
  std::unordered_map<uint64_t, std::shared_ptr<OpenFile>> files_;  // guarded by mu_
  std::atomic<uint64_t> reads_{0};
};

}  // namespace roadsense::queue
