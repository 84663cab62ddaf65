// AccessPolicy: a queue's `Policy` attribute — the IAM JSON subset roadsense-queue evaluates
// (queue/access_policy.md): Version, Id, Statement (one or a list) with Sid, Effect (Allow|Deny),
// Principal ("*" or {"AWS": account id | arn | "*" | [...]}), Action ("sqs:SendMessage",
// "sqs:*", "sqs:Send*", "*", lists; case-insensitive), Resource (queue ARN with * and ?
// wildcards, lists; optional) and Condition with IpAddress / NotIpAddress on aws:SourceIp (CIDR),
// Bool on aws:SecureTransport, DateGreaterThan(Equals) / DateLessThan(Equals) on aws:CurrentTime.
// Anything else (NotAction, NotPrincipal, other operators or keys) is refused by Parse(), so a
// policy never means less than it says.
//
// Immutable after Parse(); thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "queue/request_authenticator.h"

namespace roadsense::queue {

enum class PolicyDecision {
  kNotApplicable,  // no statement applies
  kAllow,          // an Allow statement applies and no Deny does
  kDeny,           // a Deny statement applies (an explicit Deny wins)
};

class AccessPolicy {
 public:
  // An empty (or all-blank) text is the empty policy. kInvalidArgument says what is wrong.
  static Result<AccessPolicy> Parse(std::string_view json_text);

  // Which statements apply to `caller` performing `action` ("SendMessage", no "sqs:" prefix) on
  // `resource_arn` in `context`.
  PolicyDecision Evaluate(const AuthenticatedCaller& caller, std::string_view action,
                          std::string_view resource_arn, const RequestContext& context) const;

  size_t statement_count() const { return statements_.size(); }

 private:
  enum class Operator {
    kIpAddress,
    kNotIpAddress,
    kBool,
    kDateGreaterThan,
    kDateGreaterThanEquals,
    kDateLessThan,
    kDateLessThanEquals,
  };
  struct Condition {
    Operator op;
    std::vector<std::string> values;  // any of them may match (OR)
  };
  struct Statement {
    bool allow = false;
    std::vector<std::string> principals;  // "*", "arn:aws:iam::<account>:root", user ARNs
    std::vector<std::string> actions;     // lowercase patterns: "sqs:send*", "*"
    std::vector<std::string> resources;   // ARN patterns; empty: any
    std::vector<Condition> conditions;    // all must match (AND)
  };

  static bool PrincipalMatches(const Statement& statement, const AuthenticatedCaller& caller);
  static bool ConditionMatches(const Condition& condition, const RequestContext& context);

  std::vector<Statement> statements_;
};

// `pattern` with '*' (any run) and '?' (any one character) against `text`, case-sensitively.
bool WildcardMatch(std::string_view pattern, std::string_view text);

}  // namespace roadsense::queue
