// FleetKeys: the parsed keys file — which API keys (stored as SHA-256 digests, never in clear)
// belong to which fleet. Format (receiver/keys_file.md): one `fleet_id api_key_sha256_hex` per
// line, '#' comments and blank lines ignored; a fleet may have several keys (rotation).
//
// Immutable after Parse(); safe to share between threads.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace roadsense::receiver {

class FleetKeys {
 public:
  // kInvalidArgument naming the line and the problem when the text is not a valid keys file.
  static Result<FleetKeys> Parse(std::string_view text);
  // Reads and parses `path` (kIoError when it cannot be read).
  static Result<FleetKeys> Load(const std::string& path);

  bool HasFleet(std::string_view fleet_id) const;
  // Whether `api_key` (in clear, as the client sent it) is one of `fleet_id`'s keys. Compares
  // digests in constant time.
  bool Matches(std::string_view fleet_id, std::string_view api_key) const;

  size_t fleet_count() const { return digests_.size(); }

 private:
  // fleet id → raw 32-byte SHA-256 digests of its keys
  std::map<std::string, std::vector<std::string>, std::less<>> digests_;
};

}  // namespace roadsense::receiver
