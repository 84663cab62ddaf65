// SigV4 signer against the public aws-c-auth test vectors (shared/ref/sigv4-test-suite, a sibling
// of the repository checkout). Each case signs request.txt with context.json and compares the
// canonical request, string to sign and Authorization header with the expected files, then
// verifies the signature the way a server would (parse Authorization, recompute).
//
// Only the header-signing vectors are used; the query-signing (presigned URL) files are skipped
// because roadsense neither creates nor accepts presigned URLs.
#include "sqs/sigv4_signer.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <sstream>

#include "core/digest.h"

namespace roadsense::sqs {
namespace {

namespace fs = std::filesystem;

fs::path VectorDir() {
  const char* source = std::getenv("ROADSENSE_SOURCE_DIR");
  return fs::path(source ? source : ROADSENSE_DEFAULT_SOURCE_DIR) / ".." / "shared" / "ref" /
         "sigv4-test-suite";
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// request.txt: "METHOD target HTTP/1.1", "Name:value" lines (a line starting with whitespace
// continues the previous value), a blank line, the body.
net::HttpRequest ParseRequestFile(const std::string& text) {
  net::HttpRequest request;
  std::istringstream in(text);
  std::string line;
  std::getline(in, line);
  const size_t first = line.find(' ');
  const size_t last = line.rfind(" HTTP/");
  request.method = line.substr(0, first);
  request.target = line.substr(first + 1, last - first - 1);
  while (std::getline(in, line) && !line.empty()) {
    if (line[0] == ' ' || line[0] == '\t') {
      request.headers.back().second += "\n" + line;
      continue;
    }
    const size_t colon = line.find(':');
    request.headers.emplace_back(line.substr(0, colon), line.substr(colon + 1));
  }
  std::ostringstream body;
  body << in.rdbuf();
  request.body = body.str();
  return request;
}

std::chrono::system_clock::time_point ParseTimestamp(const std::string& iso) {
  std::tm tm{};
  std::istringstream(iso) >> std::get_time(&tm, "%Y-%m-%dT%H:%M:%SZ");
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

std::string AuthorizationLine(const std::string& signed_request) {
  std::istringstream in(signed_request);
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with("Authorization:")) return line.substr(14);
  }
  return "";
}

class SigV4VectorTest : public ::testing::TestWithParam<const char*> {};

TEST_P(SigV4VectorTest, MatchesVector) {
  const fs::path dir = VectorDir() / GetParam();
  if (!fs::exists(VectorDir())) {
    GTEST_SKIP() << "SigV4 test vectors not found at " << VectorDir()
                 << " (expected shared/ as a sibling of the source dir)";
  }
  ASSERT_TRUE(fs::exists(dir)) << dir;
  const auto context = boost::json::parse(ReadFile(dir / "context.json")).as_object();
  const auto& creds = context.at("credentials").as_object();
  const bool omit_token =
      context.contains("omit_session_token") && context.at("omit_session_token").as_bool();
  const std::string token =
      creds.contains("token") ? std::string(creds.at("token").as_string()) : "";

  SigV4SignerOptions options;
  options.access_key_id = creds.at("access_key_id").as_string();
  options.secret_access_key = creds.at("secret_access_key").as_string();
  options.session_token = omit_token ? "" : token;
  options.region = context.at("region").as_string();
  options.service = context.at("service").as_string();
  options.add_content_sha256 = context.at("sign_body").as_bool();
  options.normalize_path = context.at("normalize").as_bool();

  net::HttpRequest request = ParseRequestFile(ReadFile(dir / "request.txt"));
  const auto now = ParseTimestamp(std::string(context.at("timestamp").as_string()));
  ASSERT_TRUE(SigV4Signer(options).Sign(&request, now).ok());
  // "omit_session_token": the token travels unsigned, added after signing.
  if (omit_token) request.headers.emplace_back("X-Amz-Security-Token", token);

  EXPECT_EQ(std::string(request.Header("Authorization")),
            AuthorizationLine(ReadFile(dir / "header-signed-request.txt")));

  // The verifier's path: everything from the received request and its Authorization header.
  auto auth = ParseSigV4Authorization(request.Header("Authorization"));
  ASSERT_TRUE(auth.ok()) << auth.status().ToString();
  const std::string amz_date(request.Header("X-Amz-Date"));
  std::string payload_hash(request.Header("x-amz-content-sha256"));
  if (payload_hash.empty()) payload_hash = Sha256Hex(request.body);
  const std::string canonical =
      SigV4CanonicalRequest(request, auth->signed_headers, payload_hash, options.normalize_path);
  EXPECT_EQ(canonical, ReadFile(dir / "header-canonical-request.txt"));
  EXPECT_EQ(SigV4StringToSign(amz_date, auth->scope, canonical),
            ReadFile(dir / "header-string-to-sign.txt"));
  EXPECT_EQ(ComputeSigV4Signature(request, auth->signed_headers, amz_date, auth->scope,
                                  options.secret_access_key, options.normalize_path),
            ReadFile(dir / "header-signature.txt"));
}

// Every header-signing vector in the suite.
INSTANTIATE_TEST_SUITE_P(
    AwsCAuth, SigV4VectorTest,
    ::testing::Values("get-header-key-duplicate", "get-header-value-multiline",
                      "get-header-value-order", "get-header-value-trim", "get-relative-normalized",
                      "get-relative-relative-normalized", "get-relative-relative-unnormalized",
                      "get-relative-unnormalized", "get-slash-dot-slash-normalized",
                      "get-slash-dot-slash-unnormalized", "get-slash-normalized",
                      "get-slash-pointless-dot-normalized", "get-slash-pointless-dot-unnormalized",
                      "get-slash-unnormalized", "get-slashes-normalized",
                      "get-slashes-unnormalized", "get-space-normalized", "get-space-unnormalized",
                      "get-unreserved", "get-utf8", "get-vanilla", "get-vanilla-empty-query-key",
                      "get-vanilla-query", "get-vanilla-query-order-encoded",
                      "get-vanilla-query-order-key-case", "get-vanilla-query-unreserved",
                      "get-vanilla-utf8-query", "get-vanilla-with-session-token",
                      "post-header-key-case", "post-header-key-sort", "post-header-value-case",
                      "post-sts-header-after", "post-sts-header-before", "post-vanilla",
                      "post-vanilla-empty-query-value", "post-vanilla-query",
                      "post-x-www-form-urlencoded", "post-x-www-form-urlencoded-parameters"),
    [](const ::testing::TestParamInfo<const char*>& info) {
      std::string name = info.param;
      for (char& c : name) {
        if (c == '-') c = '_';
      }
      return name;
    });

TEST(SigV4AuthorizationTest, ParsesAllFields) {
  auto auth = ParseSigV4Authorization(
      "AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/sqs/aws4_request, "
      "SignedHeaders=host;x-amz-date, Signature=ABCdef");
  ASSERT_TRUE(auth.ok()) << auth.status().ToString();
  EXPECT_EQ(auth->access_key_id, "AKID");
  EXPECT_EQ(auth->scope.ToString(), "20150830/us-east-1/sqs/aws4_request");
  EXPECT_EQ(auth->signed_headers, (std::vector<std::string>{"host", "x-amz-date"}));
  EXPECT_EQ(auth->signature, "abcdef");
}

TEST(SigV4AuthorizationTest, RejectsMalformed) {
  for (const char* bad :
       {"", "Basic abc", "AWS4-HMAC-SHA256", "AWS4-HMAC-SHA256 Credential=AK/2015/r/s",
        "AWS4-HMAC-SHA256 Credential=AK/20150830/r/s/aws4_request, Signature=ab",
        "AWS4-HMAC-SHA256 Credential=AK/20150830/r/s/aws4_request, SignedHeaders=host"}) {
    EXPECT_FALSE(ParseSigV4Authorization(bad).ok()) << bad;
  }
}

TEST(SigV4SignerTest, TamperedBodyChangesSignature) {
  SigV4SignerOptions options{"AK", "secret", "", "us-east-1", "sqs"};
  net::HttpRequest request{"POST", "/", {{"Host", "localhost:9324"}}, "{\"a\":1}", ""};
  ASSERT_TRUE(SigV4Signer(options).Sign(&request, std::chrono::system_clock::now()).ok());
  auto auth = ParseSigV4Authorization(request.Header("Authorization"));
  ASSERT_TRUE(auth.ok());
  const std::string amz_date(request.Header("X-Amz-Date"));
  EXPECT_EQ(ComputeSigV4Signature(request, auth->signed_headers, amz_date, auth->scope, "secret"),
            auth->signature);
  request.body = "{\"a\":2}";
  EXPECT_NE(ComputeSigV4Signature(request, auth->signed_headers, amz_date, auth->scope, "secret"),
            auth->signature);
}

TEST(SigV4SignerTest, RequiresHostHeader) {
  SigV4SignerOptions options{"AK", "secret", "", "us-east-1", "sqs"};
  net::HttpRequest request{"POST", "/", {}, "", ""};
  EXPECT_FALSE(SigV4Signer(options).Sign(&request, std::chrono::system_clock::now()).ok());
}

TEST(SigV4SignerTest, SkipsHopByHopHeaders) {
  SigV4SignerOptions options{"AK", "secret", "", "us-east-1", "sqs"};
  net::HttpRequest request{
      "POST", "/", {{"Host", "h"}, {"User-Agent", "x"}, {"Connection", "keep-alive"}}, "", ""};
  ASSERT_TRUE(SigV4Signer(options).Sign(&request, std::chrono::system_clock::now()).ok());
  auto auth = ParseSigV4Authorization(request.Header("Authorization"));
  ASSERT_TRUE(auth.ok());
  EXPECT_EQ(auth->signed_headers, (std::vector<std::string>{"host", "x-amz-date"}));
}

}  // namespace
}  // namespace roadsense::sqs
