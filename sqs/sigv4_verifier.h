// SigV4Verifier: the server side of AWS Signature Version 4 — checks a received request's
// `Authorization: AWS4-HMAC-SHA256 ...` header or presigned query string (X-Amz-Algorithm,
// X-Amz-Credential, X-Amz-Date, X-Amz-Expires, X-Amz-SignedHeaders, X-Amz-Signature).
//
// Verification is two steps so that the caller owns the key table: Parse() extracts what the
// request claims (access key id, scope, signed headers, signature, time) without any secret; the
// caller looks the access key up (unknown: its own InvalidClientTokenId); Verify() then checks the
// time window, the scope, the payload hash and the signature, recomputed with the signer's own
// code (sqs/sigv4_signer.h SigV4Signature) and compared in constant time.
//
// Errors are kUnauthenticated Statuses whose message starts with the SQS error shape, as
// everywhere in roadsense's SQS code ("SignatureDoesNotMatch: The request signature we calculated
// ..."): MissingAuthenticationToken (no signature at all), IncompleteSignature (malformed or
// incomplete), RequestExpired (outside the clock-skew window or past X-Amz-Expires),
// SignatureDoesNotMatch (wrong signature, scope or payload hash). See sqs/sigv4.md.
//
// Immutable after construction; thread-safe.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "core/status.h"
#include "net/http_message.h"
#include "sqs/sigv4_signer.h"

namespace roadsense::sqs {

struct SigV4VerifierOptions {
  std::string region = "us-east-1";  // the credential scope must name this region...
  std::string service = "sqs";       // ...and this service
  std::chrono::seconds max_clock_skew{15 * 60};
  std::chrono::seconds max_presign_expires{7 * 24 * 3600};  // X-Amz-Expires limit (as AWS)
  bool normalize_path = true;                               // false only for S3
};

// What a request claims about its signature.
struct SigV4Claim {
  std::string access_key_id;
  SigV4Params params;               // signed headers, X-Amz-Date, scope, payload hash, presigned
  std::string signature;            // lowercase hex, as sent
  std::chrono::seconds expires{0};  // presigned only: X-Amz-Expires
};

class SigV4Verifier {
 public:
  explicit SigV4Verifier(SigV4VerifierOptions options);

  // The claim of `request`: from its Authorization header, else from its presigned query string.
  // MissingAuthenticationToken when it has neither, IncompleteSignature when what it has is
  // malformed (a required part missing, `host` not signed, x-amz-date not signed in the header
  // form, a bad X-Amz-Date or X-Amz-Expires).
  Result<SigV4Claim> Parse(const net::HttpRequest& request) const;

  // Checks `claim` (from Parse(request)) with the access key's secret at time `now`.
  Status Verify(const net::HttpRequest& request, const SigV4Claim& claim,
                std::string_view secret_access_key,
                std::chrono::system_clock::time_point now) const;

  const SigV4VerifierOptions& options() const { return options_; }

 private:
  SigV4VerifierOptions options_;
};

// Equal contents, in time independent of where they differ (not of their lengths).
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace roadsense::sqs
