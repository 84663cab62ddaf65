#include "sqs/sigv4_signer.h"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <utility>

#include "core/digest.h"

namespace roadsense::sqs {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";

bool IsUnreserved(unsigned char c) {
  return std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string SigV4PercentDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && HexValue(text[i + 1]) >= 0 &&
        HexValue(text[i + 2]) >= 0) {
      out += static_cast<char>(HexValue(text[i + 1]) * 16 + HexValue(text[i + 2]));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

namespace {

// ASCII lowercase: what std::tolower does in the "C" locale, without a locale call per byte.
char LowerAscii(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + ('a' - 'A')) : c; }

std::string ToLower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = LowerAscii(c);
  return out;
}

// ASCII case-insensitive equality (header names), without building a lowercase copy.
bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return LowerAscii(x) == LowerAscii(y);
         });
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// Appends `value` to `*out` with its ends trimmed and every whitespace run (including obsolete
// line folding) folded to one space.
void AppendFoldedWhitespace(std::string_view value, std::string* out) {
  bool any = false;
  bool pending_space = false;
  for (char c : value) {
    if (IsSpace(c)) {
      pending_space = any;
      continue;
    }
    if (pending_space) *out += ' ';
    pending_space = false;
    any = true;
    *out += c;
  }
}

// Headers a proxy or the transport may add, drop or rewrite; signing them would make the
// signature fragile (the AWS SDKs skip the same ones).
bool IsUnsignable(std::string_view lower_name) {
  static constexpr std::string_view kSkip[] = {
      "authorization", "connection",        "expect",  "keep-alive", "proxy-authorization", "te",
      "trailer",       "transfer-encoding", "upgrade", "user-agent", "x-amzn-trace-id"};
  return std::find(std::begin(kSkip), std::end(kSkip), lower_name) != std::end(kSkip);
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> Split(std::string_view text, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    const size_t pos = text.find(sep, start);
    parts.push_back(text.substr(start, pos - start));
    if (pos == std::string_view::npos) break;
    start = pos + 1;
  }
  return parts;
}

}  // namespace

namespace {

// Appends SigV4Scope::ToString() to `out`.
void AppendScope(const SigV4Scope& scope, std::string* out) {
  out->append(scope.date).append(1, '/').append(scope.region).append(1, '/');
  out->append(scope.service).append("/aws4_request");
}

// `names` joined with ';' (the SignedHeaders list).
void AppendJoined(const std::vector<std::string>& names, std::string* out) {
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out->push_back(';');
    out->append(names[i]);
  }
}

}  // namespace

std::string SigV4Scope::ToString() const {
  std::string out;
  AppendScope(*this, &out);
  return out;
}

std::string SigV4UriEncode(std::string_view text, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if (IsUnreserved(c) || (keep_slash && c == '/')) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

namespace {

// Whether SigV4CanonicalUri(path, normalize) is `path` itself: an absolute path of unreserved
// bytes and '/', and (normalizing) without empty, "." or ".." segments — what every SQS queue URL
// path is. Spares the signer the split, join and encode on each request.
bool IsCanonicalUri(std::string_view path, bool normalize) {
  if (path.empty() || path.front() != '/') return false;
  for (unsigned char c : path) {
    if (!IsUnreserved(c) && c != '/') return false;
  }
  if (!normalize) return true;
  // Segments are the texts between slashes; the one after a trailing '/' is the (kept) ending.
  for (size_t start = 1; start <= path.size();) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    const std::string_view segment = path.substr(start, end - start);
    const bool last = end == path.size();
    if ((segment.empty() && !last) || segment == "." || segment == "..") return false;
    start = end + 1;
  }
  return true;
}

}  // namespace

std::string SigV4CanonicalUri(std::string_view path, bool normalize) {
  if (IsCanonicalUri(path, normalize)) return std::string(path);
  if (path.empty()) return "/";
  if (!normalize) return SigV4UriEncode(path, /*keep_slash=*/true);
  // RFC 3986 dot-segment removal; empty segments ("//") are dropped as the AWS SDKs do.
  std::vector<std::string_view> segments;
  for (std::string_view segment : Split(path, '/')) {
    if (segment.empty() || segment == ".") continue;
    if (segment == "..") {
      if (!segments.empty()) segments.pop_back();
      continue;
    }
    segments.push_back(segment);
  }
  std::string normalized;
  for (std::string_view segment : segments) {
    normalized += '/';
    normalized += segment;
  }
  if (normalized.empty() || path.back() == '/') normalized += '/';
  return SigV4UriEncode(normalized, /*keep_slash=*/true);
}

std::string SigV4CanonicalQuery(std::string_view query, std::string_view exclude_key) {
  if (query.empty()) return std::string();
  std::vector<std::pair<std::string, std::string>> params;
  for (std::string_view part : Split(query, '&')) {
    if (part.empty()) continue;
    const size_t eq = part.find('=');
    const std::string key = SigV4PercentDecode(part.substr(0, eq));
    const std::string_view value = eq == std::string_view::npos ? "" : part.substr(eq + 1);
    if (!exclude_key.empty() && key == exclude_key) continue;
    params.emplace_back(SigV4UriEncode(key, false),
                        SigV4UriEncode(SigV4PercentDecode(value), false));
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [key, value] : params) {
    if (!out.empty()) out += '&';
    out += key;
    out += '=';
    out += value;
  }
  return out;
}

namespace {

// Appends SigV4CanonicalHeaders(headers, names) to `out`.
void AppendCanonicalHeaders(const net::HttpHeaders& headers, const std::vector<std::string>& names,
                            std::string* out) {
  for (const std::string& name : names) {
    out->append(name);
    out->push_back(':');
    bool first = true;
    for (const auto& [key, value] : headers) {
      if (!EqualsIgnoreCase(key, name)) continue;
      if (!first) out->push_back(',');
      AppendFoldedWhitespace(value, out);
      first = false;
    }
    out->push_back('\n');
  }
}

// Replaces `*out` with SigV4CanonicalRequest(request, params), keeping its capacity.
void WriteCanonicalRequest(const net::HttpRequest& request, const SigV4Params& params,
                           std::string* out) {
  out->clear();
  out->append(request.method).push_back('\n');
  const std::string_view path = request.Path();
  if (IsCanonicalUri(path, params.normalize_path)) {
    out->append(path);
  } else {
    out->append(SigV4CanonicalUri(path, params.normalize_path));
  }
  out->push_back('\n');
  out->append(SigV4CanonicalQuery(request.Query(), params.presigned ? "X-Amz-Signature" : ""));
  out->push_back('\n');
  AppendCanonicalHeaders(request.headers, params.signed_headers, out);
  out->push_back('\n');
  AppendJoined(params.signed_headers, out);
  out->push_back('\n');
  out->append(params.payload_hash);
}

// Replaces `*out` with SigV4StringToSign(amz_date, scope, canonical_request), keeping capacity.
void WriteStringToSign(std::string_view amz_date, const SigV4Scope& scope,
                       std::string_view canonical_request, std::string* out) {
  out->assign(kAlgorithm).push_back('\n');
  out->append(amz_date).push_back('\n');
  AppendScope(scope, out);
  out->push_back('\n');
  out->append(Sha256HexText(canonical_request).view());
}

// The signature SigV4SignatureWithKey returns, by value.
FixedText<64> SignatureText(const net::HttpRequest& request, const SigV4Params& params,
                            std::string_view signing_key) {
  // The two texts are rebuilt for every request a thread signs or verifies: their buffers are
  // kept per thread instead of allocated (and regrown) each time.
  thread_local std::string canonical;
  thread_local std::string to_sign;
  WriteCanonicalRequest(request, params, &canonical);
  WriteStringToSign(params.amz_date, params.scope, canonical, &to_sign);
  return HmacSha256HexText(signing_key, to_sign);
}

// SigV4AmzDate's text in a per-thread buffer, valid until the thread's next call.
std::string_view AmzDateText(std::chrono::system_clock::time_point time) {
  const std::time_t t = std::chrono::system_clock::to_time_t(time);
  // gmtime_r + strftime cost more than the rest of a signature's text; a busy thread signs many
  // requests within one second, so the last second's text is kept per thread.
  thread_local std::time_t cached_second = -1;
  thread_local char cached[32];
  thread_local size_t cached_size = 0;
  if (t != cached_second) {
    std::tm tm{};
    gmtime_r(&t, &tm);
    cached_size = std::strftime(cached, sizeof(cached), "%Y%m%dT%H%M%SZ", &tm);
    cached_second = t;
  }
  return {cached, cached_size};
}

}  // namespace

std::string SigV4CanonicalHeaders(const net::HttpHeaders& headers,
                                  const std::vector<std::string>& names) {
  std::string out;
  AppendCanonicalHeaders(headers, names, &out);
  return out;
}

std::string SigV4CanonicalRequest(const net::HttpRequest& request, const SigV4Params& params) {
  std::string out;
  WriteCanonicalRequest(request, params, &out);
  return out;
}

std::string SigV4StringToSign(std::string_view amz_date, const SigV4Scope& scope,
                              std::string_view canonical_request) {
  std::string out;
  WriteStringToSign(amz_date, scope, canonical_request, &out);
  return out;
}

std::string SigV4SigningKey(std::string_view secret_access_key, const SigV4Scope& scope) {
  std::string key = HmacSha256Raw("AWS4" + std::string(secret_access_key), scope.date);
  key = HmacSha256Raw(key, scope.region);
  key = HmacSha256Raw(key, scope.service);
  return HmacSha256Raw(key, "aws4_request");
}

std::string SigV4Signature(const net::HttpRequest& request, const SigV4Params& params,
                           std::string_view secret_access_key) {
  return SigV4SignatureWithKey(request, params, SigV4SigningKey(secret_access_key, params.scope));
}

std::string SigV4SignatureWithKey(const net::HttpRequest& request, const SigV4Params& params,
                                  std::string_view signing_key) {
  return SignatureText(request, params, signing_key).str();
}

std::string SigV4PayloadHash(const net::HttpRequest& request) {
  const std::string_view declared = request.Header("x-amz-content-sha256");
  return declared.empty() ? Sha256Hex(request.body) : std::string(declared);
}

Result<SigV4Authorization> ParseSigV4Authorization(std::string_view header) {
  header = Trim(header);
  if (!header.starts_with(kAlgorithm) || header.size() == kAlgorithm.size() ||
      !IsSpace(header[kAlgorithm.size()])) {
    return InvalidArgument("Authorization is not AWS4-HMAC-SHA256");
  }
  SigV4Authorization out;
  bool have_credential = false;
  bool have_headers = false;
  for (std::string_view part : Split(header.substr(kAlgorithm.size()), ',')) {
    part = Trim(part);
    const size_t eq = part.find('=');
    if (eq == std::string_view::npos) return InvalidArgument("malformed Authorization component");
    const std::string_view key = part.substr(0, eq);
    const std::string_view value = part.substr(eq + 1);
    if (key == "Credential") {
      const auto fields = Split(value, '/');
      if (fields.size() != 5 || fields[4] != "aws4_request" || fields[0].empty()) {
        return InvalidArgument("malformed Credential in Authorization");
      }
      out.access_key_id = fields[0];
      out.scope = {std::string(fields[1]), std::string(fields[2]), std::string(fields[3])};
      have_credential = true;
    } else if (key == "SignedHeaders") {
      for (std::string_view name : Split(value, ';')) out.signed_headers.emplace_back(name);
      have_headers = !value.empty();
    } else if (key == "Signature") {
      out.signature = ToLower(value);
    }
  }
  if (!have_credential || !have_headers || out.signature.empty()) {
    return InvalidArgument("Authorization lacks Credential, SignedHeaders or Signature");
  }
  return out;
}

std::string SigV4AmzDate(std::chrono::system_clock::time_point time) {
  return std::string(AmzDateText(time));
}

SigV4Signer::SigV4Signer(SigV4SignerOptions options) : options_(std::move(options)) {}

SigV4Signer::KeyBytes SigV4Signer::SigningKey(const SigV4Scope& scope) const {
  std::lock_guard lock(key_cache_->mu);
  if (key_cache_->date != scope.date) {
    const std::string key = SigV4SigningKey(options_.secret_access_key, scope);
    std::copy_n(key.data(), key_cache_->key.size(), key_cache_->key.data());
    key_cache_->date = scope.date;
  }
  return key_cache_->key;
}

void SigV4Signer::SignableHeaders(const net::HttpHeaders& headers,
                                  std::vector<std::string>* names) {
  names->clear();
  names->reserve(headers.size());
  for (const auto& [key, value] : headers) {
    std::string lower = ToLower(key);
    if (!IsUnsignable(lower)) names->push_back(std::move(lower));
  }
  std::sort(names->begin(), names->end());
  names->erase(std::unique(names->begin(), names->end()), names->end());
}

Status SigV4Signer::Sign(net::HttpRequest* request,
                         std::chrono::system_clock::time_point now) const {
  if (request->Header("host").empty()) return InvalidArgument("SigV4 needs a Host header");
  // Every request a thread signs fills the same fields: their buffers are kept per thread
  // instead of allocated each time.
  thread_local SigV4Params params;
  const std::string_view amz_date = AmzDateText(now);
  params.amz_date.assign(amz_date);
  params.scope.date.assign(amz_date.substr(0, 8));
  params.scope.region.assign(options_.region);
  params.scope.service.assign(options_.service);
  params.normalize_path = options_.normalize_path;
  params.presigned = false;
  request->headers.emplace_back("X-Amz-Date", amz_date);
  if (options_.add_content_sha256) {
    request->headers.emplace_back("x-amz-content-sha256", Sha256HexText(request->body).view());
  }
  if (!options_.session_token.empty()) {
    request->headers.emplace_back("X-Amz-Security-Token", options_.session_token);
  }
  SignableHeaders(request->headers, &params.signed_headers);
  if (const std::string_view declared = request->Header("x-amz-content-sha256");
      !declared.empty()) {
    params.payload_hash.assign(declared);
  } else {
    params.payload_hash.assign(Sha256HexText(request->body).view());
  }

  const KeyBytes key = SigningKey(params.scope);
  const FixedText<64> signature =
      SignatureText(*request, params, std::string_view(key.data(), key.size()));
  std::string authorization;
  authorization.reserve(256);
  authorization.append(kAlgorithm).append(" Credential=").append(options_.access_key_id);
  authorization.push_back('/');
  AppendScope(params.scope, &authorization);
  authorization.append(", SignedHeaders=");
  AppendJoined(params.signed_headers, &authorization);
  authorization.append(", Signature=").append(signature.view());
  request->headers.emplace_back("Authorization", std::move(authorization));
  return Status::Ok();
}

Status SigV4Signer::Presign(net::HttpRequest* request, std::chrono::system_clock::time_point now,
                            std::chrono::seconds expires) const {
  if (request->Header("host").empty()) return InvalidArgument("SigV4 needs a Host header");
  SigV4Params params;
  params.amz_date = SigV4AmzDate(now);
  params.scope = {params.amz_date.substr(0, 8), options_.region, options_.service};
  params.normalize_path = options_.normalize_path;
  params.presigned = true;
  SignableHeaders(request->headers, &params.signed_headers);
  params.payload_hash = Sha256Hex(request->body);

  std::string joined;
  AppendJoined(params.signed_headers, &joined);
  const auto add = [request](std::string_view key, std::string_view value) {
    request->target += request->target.find('?') == std::string::npos ? '?' : '&';
    request->target += key;
    request->target += '=';
    request->target += SigV4UriEncode(value, /*keep_slash=*/false);
  };
  add("X-Amz-Algorithm", kAlgorithm);
  add("X-Amz-Credential", options_.access_key_id + "/" + params.scope.ToString());
  add("X-Amz-Date", params.amz_date);
  add("X-Amz-SignedHeaders", joined);
  add("X-Amz-Expires", std::to_string(expires.count()));
  if (!options_.session_token.empty()) add("X-Amz-Security-Token", options_.session_token);
  const KeyBytes key = SigningKey(params.scope);
  add("X-Amz-Signature",
      SignatureText(*request, params, std::string_view(key.data(), key.size())).view());
  return Status::Ok();
}

}  // namespace roadsense::sqs
