// Hashes and MACs (OpenSSL): MD5 for SQS message digests, SHA-256 and HMAC-SHA256 for SigV4,
// CRC32C for on-disk record framing. All functions are thread-safe and allocate only the result
// (besides one hashing context per thread, kept for the thread's life).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/fixed_text.h"

namespace roadsense {

std::string Md5Hex(std::string_view data);                               // lowercase hex, 32 chars
FixedText<32> Md5HexText(std::string_view data);                         // the same, by value
std::string Sha256Hex(std::string_view data);                            // lowercase hex, 64 chars
FixedText<64> Sha256HexText(std::string_view data);                      // the same, by value
std::string Sha256Raw(std::string_view data);                            // 32 raw bytes
std::string HmacSha256Raw(std::string_view key, std::string_view data);  // 32 raw bytes
// Lowercase hex of HmacSha256Raw, by value (a SigV4 signature).
FixedText<64> HmacSha256HexText(std::string_view key, std::string_view data);
std::string HexEncode(std::string_view bytes);        // lowercase
void HexEncodeTo(std::string_view bytes, char* out);  // into 2 * bytes.size() characters

// CRC-32C (Castagnoli), as used by LevelDB/RocksDB/ext4. `Extend` continues a running CRC.
uint32_t Crc32cExtend(uint32_t crc, const void* data, size_t n);
inline uint32_t Crc32c(const void* data, size_t n) { return Crc32cExtend(0, data, n); }

}  // namespace roadsense
