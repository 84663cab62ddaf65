// PolicyAuthorizer: roadsense-queue's AccessAuthorizer — decides with the queue's Policy
// attribute (queue/access_policy.h, which AddPermission grants are part of) whether a caller may
// perform an action (queue/access_policy.md, "Decision"):
//   1. an applicable Deny statement → AccessDenied (an explicit Deny wins, also for the owner);
//   2. a caller of the queue owner's account → allowed;
//   3. an applicable Allow statement → allowed;
//   4. otherwise AccessDenied.
// The owner of a queue is the account in its ARN; account-level actions (ListQueues,
// CreateQueue: empty ARN) belong to the server's account and are not subject to any policy.
//
// Parsed policies are cached by their text (a queue's policy rarely changes, requests are many).
// A stored policy that does not parse (it was validated on the way in, so only a bug or an old
// log could hold one) counts as having no statements.
//
// Threading: thread-safe; the cache is behind a mutex held only for a lookup or insert.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "queue/access_policy.h"
#include "queue/request_authenticator.h"

namespace roadsense::queue {

class PolicyAuthorizer final : public AccessAuthorizer {
 public:
  explicit PolicyAuthorizer(std::string server_account_id);

  Status Authorize(const AuthenticatedCaller& caller, std::string_view action,
                   std::string_view queue_arn, std::string_view policy_json,
                   const RequestContext& context) const override;

 private:
  std::shared_ptr<const AccessPolicy> PolicyFor(std::string_view policy_json) const;

  const std::string server_account_id_;
  mutable std::mutex mu_;
  mutable std::unordered_map<std::string, std::shared_ptr<const AccessPolicy>> cache_;  // by mu_
};

}  // namespace roadsense::queue
