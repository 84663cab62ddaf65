#include "sqs/sigv4_verifier.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>
#include <optional>
#include <utility>

#include "core/digest.h"
#include "core/utc_time.h"

namespace roadsense::sqs {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";

// The messages Amazon SQS answers with, so that clients and people recognise them.
constexpr char kMissingMessage[] = "Request is missing Authentication Token";
constexpr char kMismatchMessage[] =
    "The request signature we calculated does not match the signature you provided. Check your "
    "AWS Secret Access Key and signing method. Consult the service documentation for details.";

Status Missing() {
  return Status(StatusCode::kUnauthenticated,
                std::string("MissingAuthenticationToken: ") + kMissingMessage);
}
Status Incomplete(const std::string& message) {
  return Status(StatusCode::kUnauthenticated, "IncompleteSignature: " + message);
}
Status Mismatch(const std::string& message) {
  return Status(StatusCode::kUnauthenticated, "SignatureDoesNotMatch: " + message);
}
Status Expired(const std::string& message) {
  return Status(StatusCode::kUnauthenticated, "RequestExpired: " + message);
}

// "20150830T123600Z" → time point; nullopt when malformed.
std::optional<std::chrono::system_clock::time_point> ParseAmzDate(std::string_view text) {
  if (text.size() != 16 || text[8] != 'T' || text[15] != 'Z') return std::nullopt;
  UtcCalendarTime t;
  if (!ParseFixedDigits(text, 0, 4, &t.year) || !ParseFixedDigits(text, 4, 2, &t.month) ||
      !ParseFixedDigits(text, 6, 2, &t.day) || !ParseFixedDigits(text, 9, 2, &t.hour) ||
      !ParseFixedDigits(text, 11, 2, &t.minute) || !ParseFixedDigits(text, 13, 2, &t.second)) {
    return std::nullopt;
  }
  return ToTimePoint(t);
}

bool Contains(const std::vector<std::string>& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// The decoded X-Amz-* parameters of a query string (the first of each name).
std::map<std::string, std::string, std::less<>> AmzQueryParams(std::string_view query) {
  std::map<std::string, std::string, std::less<>> out;
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view part = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    const size_t eq = part.find('=');
    std::string key = SigV4PercentDecode(part.substr(0, eq));
    if (!key.starts_with("X-Amz-")) continue;
    out.emplace(std::move(key), eq == std::string_view::npos
                                    ? std::string()
                                    : SigV4PercentDecode(part.substr(eq + 1)));
  }
  return out;
}

std::vector<std::string> SplitNames(std::string_view list) {
  std::vector<std::string> names;
  while (!list.empty()) {
    const size_t semi = list.find(';');
    names.emplace_back(list.substr(0, semi));
    list = semi == std::string_view::npos ? std::string_view() : list.substr(semi + 1);
  }
  return names;
}

// Fills claim->access_key_id and the scope from "<AK>/<date>/<region>/<service>/aws4_request".
bool ParseCredential(std::string_view credential, SigV4Claim* claim) {
  std::vector<std::string_view> fields;
  while (true) {
    const size_t slash = credential.find('/');
    fields.push_back(credential.substr(0, slash));
    if (slash == std::string_view::npos) break;
    credential.remove_prefix(slash + 1);
  }
  if (fields.size() != 5 || fields[0].empty() || fields[4] != "aws4_request") return false;
  claim->access_key_id = fields[0];
  claim->params.scope = {std::string(fields[1]), std::string(fields[2]), std::string(fields[3])};
  return true;
}

Result<SigV4Claim> ParseHeaderForm(const net::HttpRequest& request) {
  const std::string_view header = request.Header("Authorization");
  auto auth = ParseSigV4Authorization(header);
  if (!auth.ok()) {
    return Incomplete(
        "Authorization header requires 'Credential', 'Signature' and "
        "'SignedHeaders' parameters of the form AWS4-HMAC-SHA256 Credential=<key>/"
        "<date>/<region>/<service>/aws4_request, SignedHeaders=<names>, "
        "Signature=<hex> (" +
        auth.status().message() + ")");
  }
  SigV4Claim claim;
  claim.access_key_id = std::move(auth->access_key_id);
  claim.signature = std::move(auth->signature);
  claim.params.scope = std::move(auth->scope);
  claim.params.signed_headers = std::move(auth->signed_headers);
  claim.params.amz_date = std::string(request.Header("X-Amz-Date"));
  claim.params.payload_hash = SigV4PayloadHash(request);
  if (claim.params.amz_date.empty()) {
    return Incomplete(
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header "
        "(roadsense-queue supports 'X-Amz-Date').");
  }
  if (!Contains(claim.params.signed_headers, "x-amz-date")) {
    return Incomplete("'X-Amz-Date' must be a 'SignedHeader' in the AWS Authorization.");
  }
  return claim;
}

Result<SigV4Claim> ParsePresigned(const net::HttpRequest& request,
                                  const SigV4VerifierOptions& options) {
  const auto params = AmzQueryParams(request.Query());
  const auto get = [&params](std::string_view key) -> std::string {
    const auto it = params.find(key);
    return it == params.end() ? std::string() : it->second;
  };
  static constexpr std::string_view kRequired[] = {"X-Amz-Algorithm",     "X-Amz-Credential",
                                                   "X-Amz-Date",          "X-Amz-Expires",
                                                   "X-Amz-SignedHeaders", "X-Amz-Signature"};
  for (std::string_view key : kRequired) {
    if (get(key).empty()) {
      return Incomplete("AWS query-string parameters must include '" + std::string(key) +
                        "'. Re-examine the query-string parameters.");
    }
  }
  if (get("X-Amz-Algorithm") != kAlgorithm) {
    return Incomplete("X-Amz-Algorithm only supports 'AWS4-HMAC-SHA256'.");
  }
  SigV4Claim claim;
  if (!ParseCredential(get("X-Amz-Credential"), &claim)) {
    return Incomplete(
        "X-Amz-Credential is not of the form <key>/<date>/<region>/<service>/"
        "aws4_request: '" +
        get("X-Amz-Credential") + "'.");
  }
  const std::string expires = get("X-Amz-Expires");
  long long seconds = 0;
  const auto [end, ec] = std::from_chars(expires.data(), expires.data() + expires.size(), seconds);
  if (ec != std::errc() || end != expires.data() + expires.size() || seconds < 1 ||
      seconds > options.max_presign_expires.count()) {
    return Incomplete("X-Amz-Expires must be a number of seconds from 1 to " +
                      std::to_string(options.max_presign_expires.count()) + ", not '" + expires +
                      "'.");
  }
  claim.expires = std::chrono::seconds(seconds);
  claim.signature = get("X-Amz-Signature");
  std::transform(claim.signature.begin(), claim.signature.end(), claim.signature.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  claim.params.signed_headers = SplitNames(get("X-Amz-SignedHeaders"));
  claim.params.amz_date = get("X-Amz-Date");
  claim.params.payload_hash = Sha256Hex(request.body);
  claim.params.presigned = true;
  return claim;
}

}  // namespace

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  }
  return diff == 0;
}

SigV4Verifier::SigV4Verifier(SigV4VerifierOptions options) : options_(std::move(options)) {}

Result<SigV4Claim> SigV4Verifier::Parse(const net::HttpRequest& request) const {
  Result<SigV4Claim> claim = Missing();
  if (!request.Header("Authorization").empty()) {
    claim = ParseHeaderForm(request);
  } else if (request.Query().find("X-Amz-") != std::string_view::npos &&
             !AmzQueryParams(request.Query()).empty()) {
    claim = ParsePresigned(request, options_);
  }
  if (!claim.ok()) return claim;
  if (!Contains(claim->params.signed_headers, "host")) {
    return Incomplete("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
  }
  if (!ParseAmzDate(claim->params.amz_date)) {
    return Incomplete(
        "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\", "
        "not '" +
        claim->params.amz_date + "'.");
  }
  claim->params.normalize_path = options_.normalize_path;
  return claim;
}

Status SigV4Verifier::Verify(const net::HttpRequest& request, const SigV4Claim& claim,
                             std::string_view secret_access_key,
                             std::chrono::system_clock::time_point now) const {
  const SigV4Params& params = claim.params;
  const auto signed_at = ParseAmzDate(params.amz_date);
  if (!signed_at) return Incomplete("X-Amz-Date is malformed: '" + params.amz_date + "'.");

  // Time first: an old request is refused whatever its signature (replay protection).
  const auto skew = options_.max_clock_skew;
  const std::string skew_minutes = std::to_string(skew.count() / 60) + " min.)";
  if (*signed_at > now + skew) {
    return Expired("Signature not yet current: " + params.amz_date + " is still later than " +
                   SigV4AmzDate(now + skew) + " (" + SigV4AmzDate(now) + " + " + skew_minutes);
  }
  if (claim.params.presigned) {
    if (now > *signed_at + claim.expires) return Expired("Request has expired");
  } else if (*signed_at < now - skew) {
    return Expired("Signature expired: " + params.amz_date + " is now earlier than " +
                   SigV4AmzDate(now - skew) + " (" + SigV4AmzDate(now) + " - " + skew_minutes);
  }

  if (params.scope.date != params.amz_date.substr(0, 8)) {
    return Mismatch(
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of "
        "date from HTTP: '" +
        params.scope.date + "' != '" + params.amz_date.substr(0, 8) + "', from '" +
        params.amz_date + "'.");
  }
  if (params.scope.region != options_.region) {
    return Mismatch("Credential should be scoped to a valid region, not '" + params.scope.region +
                    "'. ");
  }
  if (params.scope.service != options_.service) {
    return Mismatch("Credential should be scoped to correct service: '" + options_.service + "'. ");
  }
  // A declared payload hash is only worth signing if it is the body's.
  if (!params.presigned && params.payload_hash != Sha256Hex(request.body)) {
    return Mismatch(
        "The provided 'x-amz-content-sha256' header does not match what was "
        "computed.");
  }
  if (!ConstantTimeEquals(SigV4Signature(request, params, secret_access_key), claim.signature)) {
    return Mismatch(kMismatchMessage);
  }
  return Status::Ok();
}

}  // namespace roadsense::sqs
