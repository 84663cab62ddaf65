#include "queue/receipt_handle.h"

#include "core/base64.h"
#include "core/digest.h"

namespace roadsense::queue {
namespace {

constexpr size_t kRawBytes = 16 + 8 + 4;
constexpr size_t kEncodedBytes = Base64EncodedSize(kRawBytes);  // base64 with padding
static_assert(ReceiptHandle::kTextSize == 1 + kEncodedBytes);
constexpr char kPrefix = 'R';

void StoreFixed(char* p, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) p[i] = static_cast<char>(v >> (8 * (bytes - 1 - i)));
}
uint64_t LoadFixed(const char* p, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

}  // namespace

std::string ReceiptHandle::Encode() const { return EncodeText().str(); }

FixedText<ReceiptHandle::kTextSize> ReceiptHandle::EncodeText() const {
  char raw[kRawBytes];
  message_id.ToBytes(raw);
  StoreFixed(raw + 16, receive_token, 8);
  StoreFixed(raw + 24, Crc32c(raw, 24), 4);
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
  if (LoadFixed(raw + 24, 4) != Crc32c(raw, 24)) return std::nullopt;
  return ReceiptHandle{MessageId::FromBytes(raw), LoadFixed(raw + 16, 8)};
}

}  // namespace roadsense::queue
