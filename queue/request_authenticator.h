// RequestAuthenticator / AccessAuthorizer: the two security seams of the SQS API.
//
// The API layer (both protocols) calls Authenticate() on every request before it dispatches the
// action, and Authorize() once it knows the action and the target queue. Errors are SqsError
// statuses (queue/sqs_error.h: kMissingAuthenticationToken, kIncompleteSignature,
// kInvalidClientTokenId, kSignatureDoesNotMatch, kRequestExpired, kAccessDenied) that the API
// renders in the request's protocol. With no authenticator configured (loopback development
// mode) every request is from the anonymous caller of the server's own account.
//
// Threading: implementations are thread-safe; both calls are made from HTTP I/O threads and
// must not block.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "core/status.h"
#include "net/http_message.h"

namespace roadsense::queue {

struct AuthenticatedCaller {
  std::string access_key_id;  // "" for the anonymous caller
  std::string account_id;     // the account the key belongs to
  std::string principal_arn;  // "arn:aws:iam::<account>:user/<name>" or "*" when anonymous
};

// What a policy condition may look at, besides the caller.
struct RequestContext {
  std::string source_ip;  // peer address without the port
  bool secure_transport = false;
  std::chrono::system_clock::time_point now;
};

class RequestAuthenticator {
 public:
  virtual ~RequestAuthenticator() = default;
  // Verifies the request's SigV4 signature (Authorization header or presigned query string),
  // including the payload hash and the clock skew.
  virtual Result<AuthenticatedCaller> Authenticate(
      const net::HttpRequest& request, std::chrono::system_clock::time_point now) const = 0;
};

class AccessAuthorizer {
 public:
  virtual ~AccessAuthorizer() = default;
  // May `caller` perform `action` ("SendMessage", ...) on the queue `queue_arn` whose Policy
  // attribute (IAM JSON, possibly empty) and AddPermission grants are `policy_json`?
  // An empty queue_arn means an account-level action (ListQueues, CreateQueue).
  virtual Status Authorize(const AuthenticatedCaller& caller, std::string_view action,
                           std::string_view queue_arn, std::string_view policy_json,
                           const RequestContext& context) const = 0;
};

}  // namespace roadsense::queue
