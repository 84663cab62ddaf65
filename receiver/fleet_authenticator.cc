#include "receiver/fleet_authenticator.h"

#include <strings.h>

namespace roadsense::receiver {
namespace {

constexpr std::string_view kBearer = "Bearer ";

Status Unauthenticated(std::string message) {
  return Status(StatusCode::kUnauthenticated, std::move(message));
}

}  // namespace

FleetAuthenticator::FleetAuthenticator(std::string keys_path) : keys_path_(std::move(keys_path)) {}

Status FleetAuthenticator::Reload() {
  Result<FleetKeys> keys = FleetKeys::Load(keys_path_);
  if (!keys.ok()) return keys.status();
  auto fresh = std::make_shared<const FleetKeys>(std::move(*keys));
  std::lock_guard lock(mu_);
  keys_ = std::move(fresh);
  return Status::Ok();
}

std::shared_ptr<const FleetKeys> FleetAuthenticator::Keys() const {
  std::lock_guard lock(mu_);
  return keys_;
}

size_t FleetAuthenticator::fleet_count() const {
  auto keys = Keys();
  return keys ? keys->fleet_count() : 0;
}

Result<std::string> FleetAuthenticator::Authenticate(std::string_view authorization) const {
  if (authorization.empty()) {
    return Unauthenticated(
        "missing Authorization header; send `Authorization: Bearer <fleet_id>:<api_key>`");
  }
  if (authorization.size() <= kBearer.size() ||
      strncasecmp(authorization.data(), kBearer.data(), kBearer.size()) != 0) {
    return Unauthenticated("the Authorization header must be `Bearer <fleet_id>:<api_key>`");
  }
  const std::string_view token = authorization.substr(kBearer.size());
  const size_t colon = token.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == token.size()) {
    return Unauthenticated("the bearer token must be `<fleet_id>:<api_key>`");
  }
  const std::string_view fleet = token.substr(0, colon);
  const std::string_view key = token.substr(colon + 1);
  const std::shared_ptr<const FleetKeys> keys = Keys();
  if (!keys) return Unauthenticated("no keys are loaded");
  if (!keys->HasFleet(fleet)) {
    return Status(StatusCode::kPermissionDenied,
                  "fleet '" + std::string(fleet) + "' is not allowed to upload");
  }
  if (!keys->Matches(fleet, key)) {
    return Unauthenticated("invalid API key for fleet '" + std::string(fleet) + "'");
  }
  return std::string(fleet);
}

}  // namespace roadsense::receiver
