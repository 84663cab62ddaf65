#include "queue/policy_authorizer.h"

#include <spdlog/spdlog.h>

#include <utility>

#include "queue/sqs_error.h"

namespace roadsense::queue {
namespace {

constexpr size_t kMaxCachedPolicies = 256;

// "arn:aws:sqs:<region>:<account>:<name>" → account ("" when not an ARN).
std::string_view ArnAccount(std::string_view arn) {
  for (int field = 0; field < 4; ++field) {
    const size_t colon = arn.find(':');
    if (colon == std::string_view::npos) return {};
    arn.remove_prefix(colon + 1);
  }
  return arn.substr(0, arn.find(':'));
}

}  // namespace

PolicyAuthorizer::PolicyAuthorizer(std::string server_account_id)
    : server_account_id_(std::move(server_account_id)) {}

std::shared_ptr<const AccessPolicy> PolicyAuthorizer::PolicyFor(
    std::string_view policy_json) const {
  const std::string key(policy_json);
  {
    std::lock_guard lock(mu_);
    if (auto it = cache_.find(key); it != cache_.end()) return it->second;
  }
  auto parsed = AccessPolicy::Parse(policy_json);
  if (!parsed.ok()) {
    spdlog::warn("queue policy does not parse, ignoring its statements: {}",
                 parsed.status().ToString());
  }
  auto policy = std::make_shared<const AccessPolicy>(parsed.ok() ? std::move(parsed).value()
                                                                 : AccessPolicy());
  std::lock_guard lock(mu_);
  if (cache_.size() >= kMaxCachedPolicies) cache_.clear();
  cache_.emplace(key, policy);
  return policy;
}

Status PolicyAuthorizer::Authorize(const AuthenticatedCaller& caller, std::string_view action,
                                   std::string_view queue_arn, std::string_view policy_json,
                                   const RequestContext& context) const {
  const std::string_view owner = queue_arn.empty() ? server_account_id_ : ArnAccount(queue_arn);
  const bool is_owner = !caller.account_id.empty() && caller.account_id == owner;
  PolicyDecision decision = PolicyDecision::kNotApplicable;
  if (!queue_arn.empty() && !policy_json.empty()) {
    decision = PolicyFor(policy_json)->Evaluate(caller, action, queue_arn, context);
  }
  if (decision == PolicyDecision::kAllow || (is_owner && decision != PolicyDecision::kDeny)) {
    return Status::Ok();
  }
  const std::string who = caller.principal_arn.empty() ? "*" : caller.principal_arn;
  const std::string what = "sqs:" + std::string(action);
  const std::string resource =
      queue_arn.empty() ? "arn:aws:sqs:*:" + server_account_id_ + ":*" : std::string(queue_arn);
  return SqsError(SqsErrorCode::kAccessDenied,
                  "User: " + who + " is not authorized to perform: " + what +
                      " on resource: " + resource +
                      (decision == PolicyDecision::kDeny
                           ? " with an explicit deny in a resource-based policy"
                           : " because no resource-based policy allows the " + what + " action"));
}

}  // namespace roadsense::queue
