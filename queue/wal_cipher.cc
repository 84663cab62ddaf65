#include "queue/wal_cipher.h"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <cstring>
#include <memory>

#include "core/digest.h"

namespace roadsense::queue {
namespace {

using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

std::string DeriveDataKey(const std::string& key, std::string_view salt) {
  return HmacSha256Raw(key, "roadsense-queue wal data key" + std::string(salt));
}

[[noreturn]] void Fatal(const char* what) {
  spdlog::critical("OpenSSL failed to {}: cannot write encrypted WAL records", what);
  std::abort();
}

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

}  // namespace

void WalCipher::Seal(const std::string& key_id, int data_key_reuse_seconds, std::string_view aad,
                     std::string_view plaintext, std::string* out) const {
  std::string data_key, salt;
  unsigned char nonce[kNonceBytes];
  {
    std::lock_guard lock(mu_);
    const auto now = std::chrono::steady_clock::now();
    if (sealing_.key_id != key_id ||
        now - sealing_.made >= std::chrono::seconds(data_key_reuse_seconds)) {
      const std::string* key = keys_.Find(key_id);
      if (key == nullptr) Fatal("find the sealing key (not in the keyring)");
      sealing_.salt.resize(kSaltBytes);
      if (RAND_bytes(reinterpret_cast<unsigned char*>(sealing_.salt.data()), kSaltBytes) != 1) {
        Fatal("draw a data key salt");
      }
      sealing_.key_id = key_id;
      sealing_.key = DeriveDataKey(*key, sealing_.salt);
      sealing_.made = now;
    }
    data_key = sealing_.key;
    salt = sealing_.salt;
    // Nonces come from the CSPRNG 256 at a time: one RAND_bytes call per record cost more than
    // the encryption of a 1 KiB message.
    if (nonce_pool_used_ == nonce_pool_.size()) {
      nonce_pool_.resize(256 * kNonceBytes);
      if (RAND_bytes(reinterpret_cast<unsigned char*>(nonce_pool_.data()),
                     static_cast<int>(nonce_pool_.size())) != 1) {
        Fatal("draw nonces");
      }
      nonce_pool_used_ = 0;
    }
    std::memcpy(nonce, nonce_pool_.data() + nonce_pool_used_, kNonceBytes);
    nonce_pool_used_ += kNonceBytes;
  }
  out->append(salt);
  out->append(reinterpret_cast<const char*>(nonce), kNonceBytes);
  const size_t at = out->size();
  out->resize(at + plaintext.size() + kTagBytes);
  auto* cipher_text = reinterpret_cast<unsigned char*>(out->data() + at);

  CipherCtx ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  int n = 0, tail = 0;
  if (!ctx ||
      EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, Bytes(data_key), nonce) != 1 ||
      EVP_EncryptUpdate(ctx.get(), nullptr, &n, Bytes(aad), static_cast<int>(aad.size())) != 1 ||
      EVP_EncryptUpdate(ctx.get(), cipher_text, &n, Bytes(plaintext),
                        static_cast<int>(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), cipher_text + n, &tail) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes,
                          cipher_text + plaintext.size()) != 1) {
    Fatal("encrypt");
  }
}

Result<std::string> WalCipher::Open(std::string_view key_id, std::string_view aad,
                                    std::string_view sealed) const {
  if (sealed.size() < kOverheadBytes) return Corruption("sealed data too short");
  const std::string_view salt = sealed.substr(0, kSaltBytes);
  const std::string_view nonce = sealed.substr(kSaltBytes, kNonceBytes);
  const std::string_view cipher_text =
      sealed.substr(kSaltBytes + kNonceBytes, sealed.size() - kOverheadBytes);
  const std::string_view tag = sealed.substr(sealed.size() - kTagBytes);
  std::string data_key;
  {
    std::lock_guard lock(mu_);
    if (opening_.key_id != key_id || opening_.salt != salt) {
      const std::string* key = keys_.Find(key_id);
      if (key == nullptr) {
        return Status(StatusCode::kFailedPrecondition,
                      "encrypted with key id '" + std::string(key_id) +
                          "', which is not in the encryption keys file");
      }
      opening_ = {std::string(key_id), std::string(salt), DeriveDataKey(*key, salt), {}};
    }
    data_key = opening_.key;
  }
  std::string plaintext(cipher_text.size(), '\0');
  auto* plain = reinterpret_cast<unsigned char*>(plaintext.data());
  CipherCtx ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  int n = 0, tail = 0;
  std::string tag_copy(tag);  // EVP_CTRL_GCM_SET_TAG takes a non-const pointer
  const bool ok =
      ctx &&
      EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, Bytes(data_key), Bytes(nonce)) ==
          1 &&
      EVP_DecryptUpdate(ctx.get(), nullptr, &n, Bytes(aad), static_cast<int>(aad.size())) == 1 &&
      EVP_DecryptUpdate(ctx.get(), plain, &n, Bytes(cipher_text),
                        static_cast<int>(cipher_text.size())) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes, tag_copy.data()) == 1 &&
      EVP_DecryptFinal_ex(ctx.get(), plain + n, &tail) == 1;
  if (!ok) {
    return Corruption("encrypted data does not authenticate under key id '" + std::string(key_id) +
                      "' (a different key under that id, or damaged bytes)");
  }
  return plaintext;
}

}  // namespace roadsense::queue
