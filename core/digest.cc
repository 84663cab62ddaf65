#include "core/digest.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <array>
#include <cstring>
#include <initializer_list>

namespace roadsense {
namespace {

// OpenSSL 3 looks an algorithm up by name in its provider tables (a lock and a hash lookup) on
// every EVP_DigestInit with a legacy EVP_md5()/EVP_sha256() handle, and HMAC() additionally
// fetches the HMAC MAC and builds two contexts per call. Digests are fetched once per process
// and hashed through one reused context per thread instead; for ~1 KiB SQS bodies the lookups
// cost about as much as the hashing itself.
const EVP_MD* Fetched(const char* name, const EVP_MD* legacy) {
  const EVP_MD* md = EVP_MD_fetch(nullptr, name, nullptr);
  return md != nullptr ? md : legacy;  // never freed: one per process
}
const EVP_MD* Md5() {
  static const EVP_MD* md = Fetched("MD5", EVP_md5());
  return md;
}
const EVP_MD* Sha256() {
  static const EVP_MD* md = Fetched("SHA256", EVP_sha256());
  return md;
}

// The calling thread's digest context, reused across calls (reinitialized by every digest).
EVP_MD_CTX* ThreadContext() {
  struct Owner {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    ~Owner() { EVP_MD_CTX_free(ctx); }
  };
  thread_local Owner owner;
  return owner.ctx;
}

// Digest of the concatenation of `parts` into `out` (EVP_MAX_MD_SIZE bytes); its length.
unsigned int DigestInto(const EVP_MD* md, std::initializer_list<std::string_view> parts,
                        unsigned char* out) {
  EVP_MD_CTX* ctx = ThreadContext();
  unsigned int len = 0;
  if (ctx == nullptr || EVP_DigestInit_ex2(ctx, md, nullptr) != 1) {
    // Out of memory for the context: the one-shot API allocates its own.
    std::string joined;
    for (std::string_view part : parts) joined.append(part);
    EVP_Digest(joined.data(), joined.size(), out, &len, md, nullptr);
    return len;
  }
  for (std::string_view part : parts) EVP_DigestUpdate(ctx, part.data(), part.size());
  EVP_DigestFinal_ex(ctx, out, &len);
  return len;
}

std::string EvpDigest(const EVP_MD* md, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  const unsigned int len = DigestInto(md, {data}, out);
  return std::string(reinterpret_cast<char*>(out), len);
}

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
  HexEncodeTo(bytes, out.data());
  return out;
}

void HexEncodeTo(std::string_view bytes, char* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (size_t i = 0; i < bytes.size(); ++i) {
    const auto c = static_cast<unsigned char>(bytes[i]);
    out[2 * i] = kHex[c >> 4];
    out[2 * i + 1] = kHex[c & 15];
  }
}

std::string Md5Hex(std::string_view data) { return Md5HexText(data).str(); }

namespace {

// The lowercase hex of `md`'s digest of `data`, whose size is Bytes.
template <size_t Bytes>
FixedText<2 * Bytes> DigestHexText(const EVP_MD* md, std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  DigestInto(md, {data}, digest);
  FixedText<2 * Bytes> text;
  HexEncodeTo(std::string_view(reinterpret_cast<char*>(digest), Bytes), text.chars.data());
  return text;
}

}  // namespace

FixedText<32> Md5HexText(std::string_view data) { return DigestHexText<16>(Md5(), data); }
std::string Sha256Hex(std::string_view data) { return Sha256HexText(data).str(); }
FixedText<64> Sha256HexText(std::string_view data) { return DigestHexText<32>(Sha256(), data); }
std::string Sha256Raw(std::string_view data) { return EvpDigest(Sha256(), data); }

namespace {

// RFC 2104 over the prefetched SHA-256: H((K ^ opad) || H((K ^ ipad) || data)), K the key padded
// to the 64-byte block (hashed first when longer). Writes 32 bytes to `out`.
void HmacSha256Into(std::string_view key, std::string_view data, unsigned char* out) {
  constexpr size_t kBlock = 64;
  unsigned char block_key[kBlock] = {};
  if (key.size() > kBlock) {
    DigestInto(Sha256(), {key}, block_key);  // 32 bytes, the rest stays zero
  } else {
    std::memcpy(block_key, key.data(), key.size());
  }
  char inner_pad[kBlock];
  char outer_pad[kBlock];
  for (size_t i = 0; i < kBlock; ++i) {
    inner_pad[i] = static_cast<char>(block_key[i] ^ 0x36);
    outer_pad[i] = static_cast<char>(block_key[i] ^ 0x5c);
  }
  unsigned char inner[EVP_MAX_MD_SIZE];
  const unsigned int inner_len = DigestInto(Sha256(), {{inner_pad, kBlock}, data}, inner);
  unsigned char digest[EVP_MAX_MD_SIZE];
  DigestInto(Sha256(), {{outer_pad, kBlock}, {reinterpret_cast<char*>(inner), inner_len}}, digest);
  std::memcpy(out, digest, 32);
  OPENSSL_cleanse(block_key, sizeof(block_key));
  OPENSSL_cleanse(inner_pad, sizeof(inner_pad));
  OPENSSL_cleanse(outer_pad, sizeof(outer_pad));
}

}  // namespace

std::string HmacSha256Raw(std::string_view key, std::string_view data) {
  unsigned char out[32];
  HmacSha256Into(key, data, out);
  return std::string(reinterpret_cast<char*>(out), sizeof(out));
}

FixedText<64> HmacSha256HexText(std::string_view key, std::string_view data) {
  unsigned char out[32];
  HmacSha256Into(key, data, out);
  FixedText<64> text;
  HexEncodeTo(std::string_view(reinterpret_cast<char*>(out), sizeof(out)), text.chars.data());
  return text;
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
