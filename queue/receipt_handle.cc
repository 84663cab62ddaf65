#include "queue/receipt_handle.h"

#include <bit>
#include <cstdint>
#include <cstring>

#include "core/base64.h"
#include "core/digest.h"

namespace roadsense::queue {
namespace {

constexpr size_t kRawBytes = 16 + 8 + 4;
constexpr size_t kEncodedBytes = Base64EncodedSize(kRawBytes);  // base64 with padding
static_assert(ReceiptHandle::kTextSize == 1 + kEncodedBytes);
constexpr char kPrefix = 'R';

// Big-endian fields as one load or store and a byte swap: a handle is encoded for every message
// received and decoded for every one deleted.
template <typename T>
void StoreBigEndian(char* p, T v) {
  if constexpr (std::endian::native == std::endian::little) {
    if constexpr (sizeof(T) == 8) v = __builtin_bswap64(v);
    if constexpr (sizeof(T) == 4) v = __builtin_bswap32(v);
  }
  std::memcpy(p, &v, sizeof(T));
}
template <typename T>
T LoadBigEndian(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  if constexpr (std::endian::native == std::endian::little) {
    if constexpr (sizeof(T) == 8) v = __builtin_bswap64(v);
    if constexpr (sizeof(T) == 4) v = __builtin_bswap32(v);
  }
  return v;
}

}  // namespace

std::string ReceiptHandle::Encode() const { return EncodeText().str(); }

FixedText<ReceiptHandle::kTextSize> ReceiptHandle::EncodeText() const {
  char raw[kRawBytes];
  message_id.ToBytes(raw);
  StoreBigEndian<uint64_t>(raw + 16, receive_token);
  StoreBigEndian<uint32_t>(raw + 24, Crc32c(raw, 24));
  FixedText<kTextSize> text;
  text.chars[0] = kPrefix;
  Base64EncodeTo(std::string_view(raw, sizeof(raw)), text.chars.data() + 1);
  // URL-safe alphabet: handles end up in query strings and form bodies.
  for (char& c : text.chars) c = c == '+' ? '-' : c == '/' ? '_' : c;
  return text;
}

std::optional<ReceiptHandle> ReceiptHandle::Decode(std::string_view text) {
  if (text.size() == kEncodedBytes + 1 && text.front() == kPrefix) text.remove_prefix(1);
  // Base64 of kRawBytes is exactly kEncodedBytes characters: any other length cannot decode to
  // a handle, so the mapped copy fits a buffer on the stack.
  if (text.size() != kEncodedBytes) return std::nullopt;
  char standard[kEncodedBytes];
  for (size_t i = 0; i < kEncodedBytes; ++i) {
    const char c = text[i];
    standard[i] = c == '-' ? '+' : c == '_' ? '/' : c;
  }
  char raw[kRawBytes];
  const auto size = Base64DecodeTo(std::string_view(standard, sizeof(standard)), raw, sizeof(raw));
  if (!size || *size != kRawBytes) return std::nullopt;
  if (LoadBigEndian<uint32_t>(raw + 24) != Crc32c(raw, 24)) return std::nullopt;
  return ReceiptHandle{MessageId::FromBytes(raw), LoadBigEndian<uint64_t>(raw + 16)};
}

}  // namespace roadsense::queue
