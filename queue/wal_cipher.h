// WalCipher: AES-256-GCM sealing of the user data of SSE queues' WAL records (queue/wal_format.md,
// "Encryption at rest"). Keys come from a WalKeyring; each sealed blob names nothing itself — the
// record carries the key id — and holds a data-key salt, a fresh random 96-bit nonce, the
// ciphertext and the 16-byte tag.
//
// Data keys: a record is not encrypted with the key file's key directly but with a data key
// HMAC-SHA256(key, "roadsense-queue wal data key" || salt), where the 16-byte random salt is
// drawn anew once the current data key is older than the queue's KmsDataKeyReusePeriodSeconds.
// So the random-nonce limit of GCM (2^32 messages per key) applies per data key, never to the
// long-lived key in the file.
//
// Thread-safe. OpenSSL failing to encrypt (it cannot, short of memory exhaustion) is fatal.
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>

#include "core/status.h"
#include "queue/wal_keyring.h"

namespace roadsense::queue {

class WalCipher {
 public:
  static constexpr size_t kSaltBytes = 16;
  static constexpr size_t kNonceBytes = 12;  // 96-bit GCM nonce
  static constexpr size_t kTagBytes = 16;
  // Bytes a sealed blob adds to its plaintext.
  static constexpr size_t kOverheadBytes = kSaltBytes + kNonceBytes + kTagBytes;

  explicit WalCipher(WalKeyring keys) : keys_(std::move(keys)) {}

  const WalKeyring& keys() const { return keys_; }

  // Appends salt || nonce || ciphertext || tag to *out; `aad` is authenticated, not encrypted.
  // `key_id` must be in the keyring.
  void Seal(const std::string& key_id, int data_key_reuse_seconds, std::string_view aad,
            std::string_view plaintext, std::string* out) const;
  // The plaintext of a blob Seal() made with `key_id` and `aad`. kFailedPrecondition naming the
  // key id when it is not in the keyring; kCorruption when the blob does not authenticate (another
  // key under the same id, or altered bytes).
  Result<std::string> Open(std::string_view key_id, std::string_view aad,
                           std::string_view sealed) const;

 private:
  struct DataKey {
    std::string key_id;
    std::string salt;
    std::string key;  // 32 bytes
    std::chrono::steady_clock::time_point made;
  };

  WalKeyring keys_;
  mutable std::mutex mu_;
  mutable DataKey sealing_;  // guarded by mu_: the data key new records use
  mutable DataKey opening_;  // guarded by mu_: the last one Open() derived (replay reuses it)
  mutable std::string nonce_pool_;      // guarded by mu_: CSPRNG bytes, each nonce used once
  mutable size_t nonce_pool_used_ = 0;  // guarded by mu_
};

}  // namespace roadsense::queue
