#include "sqs/message_attributes.h"

#include <cstdint>

#include "core/digest.h"
#include "core/md5_lanes.h"

namespace roadsense::sqs {
namespace {

void AppendLengthPrefixed(std::string* out, std::string_view bytes) {
  const auto n = static_cast<uint32_t>(bytes.size());
  const char len[4] = {static_cast<char>(n >> 24), static_cast<char>(n >> 16),
                       static_cast<char>(n >> 8), static_cast<char>(n)};
  out->append(len, 4);
  out->append(bytes);
}

}  // namespace

std::string Md5OfBody(std::string_view body) { return Md5Hex(body); }

std::vector<FixedText<32>> Md5OfBodies(const std::vector<std::string_view>& bodies) {
  return Md5HexTextMany(bodies);
}

std::string Md5OfMessageAttributes(const MessageAttributes& attributes) {
  if (attributes.empty()) return "";
  std::string buf;
  for (const auto& [name, value] : attributes) {
    AppendLengthPrefixed(&buf, name);
    AppendLengthPrefixed(&buf, value.data_type);
    if (value.string_value) {
      buf += '\x01';
      AppendLengthPrefixed(&buf, *value.string_value);
    } else if (value.binary_value) {
      buf += '\x02';
      AppendLengthPrefixed(&buf, *value.binary_value);
    } else if (!value.string_list_values.empty()) {
      buf += '\x03';
      for (const auto& v : value.string_list_values) AppendLengthPrefixed(&buf, v);
    } else {
      buf += '\x04';
      for (const auto& v : value.binary_list_values) AppendLengthPrefixed(&buf, v);
    }
  }
  return Md5Hex(buf);
}

}  // namespace roadsense::sqs
