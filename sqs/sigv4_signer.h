// SigV4Signer: AWS Signature Version 4 for HTTP requests (header form, not presigned URLs).
//
// The canonicalization steps are free functions so that a server can verify a signature with the
// same code a client signs with: parse the Authorization header (ParseSigV4Authorization), then
// ComputeSigV4Signature over the received request with the header names and scope it lists, and
// compare. See sqs/sigv4.md for what is signed and why.
//
// All functions are pure and thread-safe; SigV4Signer is immutable after construction.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "net/http_message.h"

namespace roadsense::sqs {

// "<date>/<region>/<service>/aws4_request", the credential scope.
struct SigV4Scope {
  std::string date;  // YYYYMMDD (UTC)
  std::string region;
  std::string service;

  std::string ToString() const;
};

// The fields of "AWS4-HMAC-SHA256 Credential=AK/20150830/us-east-1/sqs/aws4_request,
// SignedHeaders=host;x-amz-date, Signature=<hex>".
struct SigV4Authorization {
  std::string access_key_id;
  SigV4Scope scope;
  std::vector<std::string> signed_headers;  // lowercase, as listed
  std::string signature;                    // lowercase hex
};

// ---- Canonicalization (shared by signer and verifier) ----

// RFC 3986 percent-encoding of every byte except unreserved characters (A-Z a-z 0-9 - . _ ~),
// and except '/' when `keep_slash`. Hex digits are uppercase.
std::string SigV4UriEncode(std::string_view text, bool keep_slash);
// The canonical URI of `path` (the request target's path as sent). With `normalize` (every AWS
// service except S3) "." and ".." segments and empty segments are removed first.
std::string SigV4CanonicalUri(std::string_view path, bool normalize);
// Parameters decoded, re-encoded, sorted by key then value, joined with '&'.
std::string SigV4CanonicalQuery(std::string_view query);
// "name:value\n" for each name in `names` (lowercase, sorted), values of repeated headers joined
// with ',', whitespace runs folded to one space and the ends trimmed.
std::string SigV4CanonicalHeaders(const net::HttpHeaders& headers,
                                  const std::vector<std::string>& names);
// The six-line canonical request. `signed_headers` lowercase and sorted.
std::string SigV4CanonicalRequest(const net::HttpRequest& request,
                                  const std::vector<std::string>& signed_headers,
                                  std::string_view payload_hash, bool normalize_path);
// "AWS4-HMAC-SHA256\n<amz_date>\n<scope>\n<hex sha256 of canonical request>".
std::string SigV4StringToSign(std::string_view amz_date, const SigV4Scope& scope,
                              std::string_view canonical_request);
// HMAC chain from the secret key over date, region, service and "aws4_request"; raw bytes.
std::string SigV4SigningKey(std::string_view secret_access_key, const SigV4Scope& scope);
// Lowercase hex signature of `request` as it would be signed with these inputs. The payload hash
// is the request's x-amz-content-sha256 header when present, else SHA-256 of the body.
std::string ComputeSigV4Signature(const net::HttpRequest& request,
                                  const std::vector<std::string>& signed_headers,
                                  std::string_view amz_date, const SigV4Scope& scope,
                                  std::string_view secret_access_key, bool normalize_path = true);

Result<SigV4Authorization> ParseSigV4Authorization(std::string_view header);

// "20150830T123600Z" for `time` (UTC, whole seconds).
std::string SigV4AmzDate(std::chrono::system_clock::time_point time);

// ---- Signing ----

struct SigV4SignerOptions {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // optional; sent (and signed) as X-Amz-Security-Token
  std::string region;
  std::string service;              // "sqs"
  bool add_content_sha256 = false;  // send x-amz-content-sha256 (S3 requires it; SQS does not)
  bool normalize_path = true;       // false only for S3
};

class SigV4Signer {
 public:
  explicit SigV4Signer(SigV4SignerOptions options);

  // Adds X-Amz-Date (and x-amz-content-sha256 / X-Amz-Security-Token per the options) and the
  // Authorization header. Every header already on the request is signed except hop-by-hop and
  // proxy-rewritten ones (see sigv4.md); the request needs a Host header.
  Status Sign(net::HttpRequest* request, std::chrono::system_clock::time_point now) const;

  const SigV4SignerOptions& options() const { return options_; }

 private:
  SigV4SignerOptions options_;
};

}  // namespace roadsense::sqs
