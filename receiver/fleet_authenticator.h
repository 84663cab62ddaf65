// FleetAuthenticator: checks an upload's credentials against the keys file (FleetKeys) and keeps
// the file reloadable (SIGHUP) while requests are being served.
//
// Credentials travel as `Authorization: Bearer <fleet_id>:<api_key>` (receiver/keys_file.md).
// Authenticate() returns the fleet id, or
//   kUnauthenticated  — header missing, not a Bearer token, no ':' in it, or a wrong key;
//   kPermissionDenied — the fleet is not in the keys file.
//
// Threading: Authenticate() and Reload() are thread-safe; a reload swaps the whole table at once,
// so a request sees either the old or the new file, never a mix.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "core/status.h"
#include "receiver/fleet_keys.h"

namespace roadsense::receiver {

class FleetAuthenticator {
 public:
  // Does not read the file: call Reload() (until one succeeds, every request is refused).
  explicit FleetAuthenticator(std::string keys_path);

  // Reads the keys file again. On error the previous table stays in force.
  Status Reload();

  Result<std::string> Authenticate(std::string_view authorization_header) const;

  // Fleets in the table now.
  size_t fleet_count() const;

 private:
  std::shared_ptr<const FleetKeys> Keys() const;

  const std::string keys_path_;
  mutable std::mutex mu_;
  std::shared_ptr<const FleetKeys> keys_;  // guarded by mu_; null before the first load
};

}  // namespace roadsense::receiver
