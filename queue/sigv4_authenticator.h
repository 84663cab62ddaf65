// SigV4Authenticator: roadsense-queue's RequestAuthenticator — verifies AWS Signature Version 4
// (Authorization header or presigned query string; sqs/sigv4_verifier.h) against the access keys
// of a credentials file (queue/credentials_file.md), which Reload() re-reads (SIGHUP).
//
// Authenticate() answers the caller (access key, account, arn:aws:iam::<account>:user/<name>) or
// an SqsError status: MissingAuthenticationToken, IncompleteSignature, InvalidClientTokenId
// (unknown access key), RequestExpired (clock skew beyond 15 min, presigned URL past
// X-Amz-Expires), SignatureDoesNotMatch.
//
// Threading: Authenticate() and Reload() are thread-safe; a reload swaps the whole key table at
// once, so a request in flight sees the old or the new file, never a mix, and none is dropped.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "core/shared_snapshot.h"
#include "queue/credentials_file.h"
#include "queue/request_authenticator.h"
#include "sqs/sigv4_verifier.h"

namespace roadsense::queue {

class SigV4Authenticator final : public RequestAuthenticator {
 public:
  // Does not read the file: call Reload() (until one succeeds, every key is unknown). `region`
  // is the one signatures must be scoped to (the server's --region).
  SigV4Authenticator(std::string credentials_path, std::string region);

  // Reads the credentials file again; on error the previous keys stay in force. *warning (if
  // given) receives a permission warning (see CredentialsFile::Load).
  Status Reload(std::string* warning = nullptr);

  Result<AuthenticatedCaller> Authenticate(
      const net::HttpRequest& request, std::chrono::system_clock::time_point now) const override;

  size_t key_count() const;

 private:
  const std::string credentials_path_;
  const sqs::SigV4Verifier verifier_;
  SharedSnapshot<CredentialsFile> keys_;
};

}  // namespace roadsense::queue
