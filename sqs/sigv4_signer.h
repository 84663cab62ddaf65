// SigV4Signer: AWS Signature Version 4 for HTTP requests, header form and presigned URLs.
//
// The canonicalization steps are free functions so that a server verifies a signature with the
// same code a client signs with (sqs/sigv4_verifier.h fills SigV4Params from the received request
// and calls SigV4Signature). See sqs/sigv4.md for what is signed and why.
//
// All functions are pure and thread-safe; SigV4Signer's options are immutable after construction
// and its signing-key cache is guarded by a mutex, so one signer serves many threads.
#pragma once

#include <array>
#include <chrono>
#include <memory>
#include <mutex>
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
// Decodes %XX escapes (a malformed escape is kept as is; '+' stays '+', as SigV4 wants).
std::string SigV4PercentDecode(std::string_view text);
// Parameters decoded, re-encoded, sorted by key then value, joined with '&'. A parameter whose
// decoded key is `exclude_key` is left out (a presigned URL's X-Amz-Signature).
std::string SigV4CanonicalQuery(std::string_view query, std::string_view exclude_key = {});
// "name:value\n" for each name in `names` (lowercase, sorted), values of repeated headers joined
// with ',', whitespace runs folded to one space and the ends trimmed.
std::string SigV4CanonicalHeaders(const net::HttpHeaders& headers,
                                  const std::vector<std::string>& names);

// Everything a signature covers besides the request itself. The signer fills it from its options
// and the clock, the verifier from the Authorization header or the presigned query string, and
// both then call SigV4Signature: one code path for signing and verifying.
struct SigV4Params {
  std::vector<std::string> signed_headers;  // lowercase, in the order listed (sorted when signing)
  std::string amz_date;                     // YYYYMMDDTHHMMSSZ
  SigV4Scope scope;
  std::string payload_hash;    // lowercase hex SHA-256 of the body (or x-amz-content-sha256)
  bool normalize_path = true;  // false only for S3
  bool presigned = false;      // the query carries X-Amz-Signature, which is not itself signed
};

// The six-line canonical request.
std::string SigV4CanonicalRequest(const net::HttpRequest& request, const SigV4Params& params);
// "AWS4-HMAC-SHA256\n<amz_date>\n<scope>\n<hex sha256 of canonical request>".
std::string SigV4StringToSign(std::string_view amz_date, const SigV4Scope& scope,
                              std::string_view canonical_request);
// HMAC chain from the secret key over date, region, service and "aws4_request"; raw bytes.
std::string SigV4SigningKey(std::string_view secret_access_key, const SigV4Scope& scope);
// Lowercase hex signature of `request` under `params` and the secret.
std::string SigV4Signature(const net::HttpRequest& request, const SigV4Params& params,
                           std::string_view secret_access_key);
// The same with the signing key already derived (SigV4SigningKey of params.scope).
std::string SigV4SignatureWithKey(const net::HttpRequest& request, const SigV4Params& params,
                                  std::string_view signing_key);
// The payload hash a request declares: its x-amz-content-sha256 header when present, else the
// hex SHA-256 of its body.
std::string SigV4PayloadHash(const net::HttpRequest& request);

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
  // Presigned URL form: appends X-Amz-Algorithm, -Credential, -Date, -SignedHeaders, -Expires
  // (and -Security-Token) and X-Amz-Signature to the request target's query; adds no header.
  // The payload hash is the SHA-256 of the body (SQS signs bodies; only S3 uses UNSIGNED-PAYLOAD).
  Status Presign(net::HttpRequest* request, std::chrono::system_clock::time_point now,
                 std::chrono::seconds expires) const;

  const SigV4SignerOptions& options() const { return options_; }

 private:
  // The header names Sign/Presign cover, into `*names` (its capacity kept): every header on the
  // request, lowercased, sorted, de-duplicated, minus the unsignable ones.
  static void SignableHeaders(const net::HttpHeaders& headers, std::vector<std::string>* names);
  // SigV4SigningKey(secret, scope), derived once per scope date (four HMACs the AWS SDKs also
  // cache; the key depends only on the secret, date, region and service). Raw bytes, by value.
  using KeyBytes = std::array<char, 32>;
  KeyBytes SigningKey(const SigV4Scope& scope) const;

  struct SigningKeyCache {
    std::mutex mu;
    std::string date;  // YYYYMMDD the key was derived for; empty: none yet
    KeyBytes key{};
  };

  SigV4SignerOptions options_;
  std::shared_ptr<SigningKeyCache> key_cache_ = std::make_shared<SigningKeyCache>();
};

}  // namespace roadsense::sqs
