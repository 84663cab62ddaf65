#include "receiver/fleet_keys.h"

#include <openssl/crypto.h>

#include <fstream>
#include <sstream>

#include "core/digest.h"
#include "core/text_lines.h"

namespace roadsense::receiver {
namespace {

constexpr size_t kMaxFleetId = 64;

bool IsFleetIdChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// 64 hex digits → 32 raw bytes; empty on error.
std::string DecodeSha256Hex(std::string_view hex) {
  if (hex.size() != 64) return {};
  std::string raw(32, '\0');
  for (size_t i = 0; i < 32; ++i) {
    const int hi = HexValue(hex[2 * i]);
    const int lo = HexValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return {};
    raw[i] = static_cast<char>(hi * 16 + lo);
  }
  return raw;
}

}  // namespace

Result<FleetKeys> FleetKeys::Parse(std::string_view text) {
  FleetKeys keys;
  RS_RETURN_IF_ERROR(ForEachLine(text, [&keys](size_t line_no, std::string_view line) {
    if (const size_t hash = line.find('#'); hash != std::string_view::npos) {
      line = line.substr(0, hash);
    }
    const std::vector<std::string_view> fields = SplitFields(line);
    if (fields.empty()) return Status::Ok();
    const std::string where = "line " + std::to_string(line_no) + ": ";
    if (fields.size() != 2) {
      return InvalidArgument(where + "expected `fleet_id api_key_sha256_hex`, got " +
                             std::to_string(fields.size()) + " fields");
    }
    const std::string_view fleet = fields[0];
    if (fleet.size() > kMaxFleetId) {
      return InvalidArgument(where + "fleet id longer than " + std::to_string(kMaxFleetId));
    }
    for (char c : fleet) {
      if (!IsFleetIdChar(c)) {
        return InvalidArgument(where + "fleet id contains a character outside [A-Za-z0-9_-]");
      }
    }
    std::string digest = DecodeSha256Hex(fields[1]);
    if (digest.empty()) {
      return InvalidArgument(where + "the key digest must be 64 hex digits (SHA-256)");
    }
    auto it = keys.digests_.find(fleet);
    if (it == keys.digests_.end()) it = keys.digests_.try_emplace(std::string(fleet)).first;
    it->second.push_back(std::move(digest));
    return Status::Ok();
  }));
  return keys;
}

Result<FleetKeys> FleetKeys::Load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return IoError("cannot read keys file " + path);
  std::stringstream text;
  text << in.rdbuf();
  Result<FleetKeys> keys = Parse(text.str());
  if (!keys.ok()) return InvalidArgument(path + ": " + keys.status().message());
  return keys;
}

bool FleetKeys::HasFleet(std::string_view fleet_id) const {
  return digests_.find(fleet_id) != digests_.end();
}

bool FleetKeys::Matches(std::string_view fleet_id, std::string_view api_key) const {
  const auto it = digests_.find(fleet_id);
  if (it == digests_.end()) return false;
  const std::string digest = Sha256Raw(api_key);
  bool match = false;
  for (const std::string& candidate : it->second) {
    match |= CRYPTO_memcmp(candidate.data(), digest.data(), digest.size()) == 0;
  }
  return match;
}

}  // namespace roadsense::receiver
