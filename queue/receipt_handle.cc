#include "queue/receipt_handle.h"

#include "core/base64.h"
#include "core/digest.h"

namespace roadsense::queue {
namespace {

constexpr size_t kRawBytes = 16 + 8 + 4;
constexpr size_t kEncodedBytes = (kRawBytes + 2) / 3 * 4;  // base64 with padding
constexpr char kPrefix = 'R';

void AppendFixed(std::string* out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out->push_back(static_cast<char>(v >> (8 * i)));
}
uint64_t LoadFixed(const char* p, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

}  // namespace

std::string ReceiptHandle::Encode() const {
  std::string raw;
  message_id.AppendBytes(&raw);
  AppendFixed(&raw, receive_token, 8);
  AppendFixed(&raw, Crc32c(raw.data(), raw.size()), 4);
  std::string text(1, kPrefix);
  text += Base64Encode(raw);
  // URL-safe alphabet: handles end up in query strings and form bodies.
  for (char& c : text) c = c == '+' ? '-' : c == '/' ? '_' : c;
  return text;
}

std::optional<ReceiptHandle> ReceiptHandle::Decode(std::string_view text) {
  if (text.size() == kEncodedBytes + 1 && text.front() == kPrefix) text.remove_prefix(1);
  std::string standard(text);
  for (char& c : standard) c = c == '-' ? '+' : c == '_' ? '/' : c;
  const auto raw = Base64Decode(standard);
  if (!raw || raw->size() != kRawBytes) return std::nullopt;
  if (LoadFixed(raw->data() + 24, 4) != Crc32c(raw->data(), 24)) return std::nullopt;
  return ReceiptHandle{MessageId::FromBytes(raw->data()), LoadFixed(raw->data() + 16, 8)};
}

}  // namespace roadsense::queue
