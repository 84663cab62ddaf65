// WalKeyring: the parsed `--encryption-keys-file` of roadsense-queue — the AES-256 keys that
// encrypt messages of SSE queues in the write-ahead log, by key id, and which one is current
// (new records use it). Format: queue/wal_keyring.md (one `key_id key [current]` per line, the key
// as 64 hex digits or base64 of 32 bytes).
//
// Immutable after Parse(); safe to share between threads. Keys are kept in memory in clear (the
// server must encrypt and decrypt with them), which is why Load() warns about readable files.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "core/status.h"

namespace roadsense::queue {

class WalKeyring {
 public:
  static constexpr size_t kKeyBytes = 32;  // AES-256

  // kInvalidArgument naming the line and the problem when `text` is not a valid keys file
  // (also when no key, or more than one, is marked current).
  static Result<WalKeyring> Parse(std::string_view text);
  // Reads and parses `path` (kIoError when unreadable). When the file is readable by others than
  // its owner *warning says so; the load still succeeds.
  static Result<WalKeyring> Load(const std::string& path, std::string* warning = nullptr);

  // The 32 raw key bytes of `key_id`, or nullptr.
  const std::string* Find(std::string_view key_id) const;
  const std::string& current_key_id() const { return current_; }
  size_t size() const { return keys_.size(); }

 private:
  std::map<std::string, std::string, std::less<>> keys_;  // key id → 32 raw bytes
  std::string current_;
};

}  // namespace roadsense::queue
