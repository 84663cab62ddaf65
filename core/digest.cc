#include "core/digest.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <cstdlib>
#include <cstring>
#include <memory>

namespace roadsense {
namespace {

// OpenSSL 3 looks an algorithm up in its provider registry (locks, string compares) every time
// EVP_md5()/EVP_sha256() is passed to EVP_Digest — more than hashing a 1 KiB message body costs.
// So each algorithm is fetched once for the process, and each thread reuses one context.
const EVP_MD* FetchedMd(const char* name) {
  const EVP_MD* md = EVP_MD_fetch(nullptr, name, nullptr);
  if (md == nullptr) std::abort();  // no default provider: nothing can be hashed
  return md;
}
const EVP_MD* Md5() {
  static const EVP_MD* md = FetchedMd("MD5");
  return md;
}
const EVP_MD* Sha256() {
  static const EVP_MD* md = FetchedMd("SHA256");
  return md;
}

// Digests `data` into out[0..EVP_MD_get_size(md)).
void DigestInto(const EVP_MD* md, std::string_view data, unsigned char* out) {
  struct ContextDeleter {
    void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
  };
  thread_local std::unique_ptr<EVP_MD_CTX, ContextDeleter> ctx(EVP_MD_CTX_new());
  unsigned int len = 0;
  if (ctx == nullptr || EVP_DigestInit_ex2(ctx.get(), md, nullptr) != 1 ||
      EVP_DigestUpdate(ctx.get(), data.data(), data.size()) != 1 ||
      EVP_DigestFinal_ex(ctx.get(), out, &len) != 1) {
    std::abort();  // only on allocation failure inside OpenSSL
  }
}

std::string EvpDigest(const EVP_MD* md, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  DigestInto(md, data, out);
  return std::string(reinterpret_cast<char*>(out), static_cast<size_t>(EVP_MD_get_size(md)));
}

constexpr char kHexDigits[] = "0123456789abcdef";

constexpr std::array<uint32_t, 256> MakeCrc32cTable() {
  std::array<uint32_t, 256> t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
    t[i] = c;
  }
  return t;
}
constexpr auto kCrc32cTable = MakeCrc32cTable();

}  // namespace

std::string HexEncode(std::string_view bytes) {
  std::string out(bytes.size() * 2, '\0');
  for (size_t i = 0; i < bytes.size(); ++i) {
    const auto c = static_cast<unsigned char>(bytes[i]);
    out[2 * i] = kHexDigits[c >> 4];
    out[2 * i + 1] = kHexDigits[c & 15];
  }
  return out;
}

std::string Md5Hex(std::string_view data) {
  unsigned char raw[16];
  DigestInto(Md5(), data, raw);
  return HexEncode(std::string_view(reinterpret_cast<const char*>(raw), sizeof raw));
}
std::string Sha256Hex(std::string_view data) { return HexEncode(EvpDigest(Sha256(), data)); }
std::string Sha256Raw(std::string_view data) { return EvpDigest(Sha256(), data); }

std::string HmacSha256Raw(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(Sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
  return std::string(reinterpret_cast<char*>(out), len);
}

namespace {

uint32_t Crc32cTable(uint32_t crc, const unsigned char* p, size_t n) {
  for (size_t i = 0; i < n; ++i) crc = kCrc32cTable[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
  return crc;
}

#if defined(__x86_64__)
// SSE4.2 has a CRC32C instruction: 8 bytes per step instead of one table lookup per byte. The WAL
// checksums every record and every receipt handle, so this was the queue's top CPU cost of its own.
__attribute__((target("sse4.2"))) uint32_t Crc32cSse42(uint32_t crc, const unsigned char* p,
                                                       size_t n) {
  uint64_t c = crc;
  for (; n >= 8; n -= 8, p += 8) {
    uint64_t word;
    std::memcpy(&word, p, 8);
    c = __builtin_ia32_crc32di(c, word);
  }
  auto c32 = static_cast<uint32_t>(c);
  for (; n > 0; --n, ++p) c32 = __builtin_ia32_crc32qi(c32, *p);
  return c32;
}

const bool kHaveSse42 = __builtin_cpu_supports("sse4.2");
#endif

}  // namespace

uint32_t Crc32cExtend(uint32_t crc, const void* data, size_t n) {
  const auto* p = static_cast<const unsigned char*>(data);
#if defined(__x86_64__)
  if (kHaveSse42) return ~Crc32cSse42(~crc, p, n);
#endif
  return ~Crc32cTable(~crc, p, n);
}

}  // namespace roadsense
