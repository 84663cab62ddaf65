// SigV4 signer against the public aws-c-auth test vectors (tests/sqs/sigv4_test_vectors.h): each
// case signs request.txt with context.json, in the header form and the presigned-query form, and
// compares canonical request, string to sign, signature and the signed request with the expected
// files. Verification of the same vectors is in sigv4_verifier_test.cc.
#include "sqs/sigv4_signer.h"

#include <gtest/gtest.h>

#include "core/digest.h"
#include "tests/sqs/sigv4_test_vectors.h"

namespace roadsense::sqs {
namespace {

using testing::LoadSigV4Vector;
using testing::ParseVectorRequest;
using testing::SigV4Vector;

std::string HeaderLine(const std::string& signed_request, const std::string& name) {
  std::istringstream in(signed_request);
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with(name + ":")) return line.substr(name.size() + 1);
  }
  return "";
}

class SigV4VectorTest : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(testing::SigV4VectorDir())) {
      GTEST_SKIP() << "SigV4 test vectors not found at " << testing::SigV4VectorDir()
                   << " (expected shared/ as a sibling of the source dir)";
    }
    vector_ = LoadSigV4Vector(GetParam());
  }
  SigV4Vector vector_;
};

TEST_P(SigV4VectorTest, HeaderSigningMatchesVector) {
  net::HttpRequest request = ParseVectorRequest(vector_.File("request.txt"));
  ASSERT_TRUE(SigV4Signer(vector_.options).Sign(&request, vector_.time).ok());
  EXPECT_EQ(std::string(request.Header("Authorization")),
            HeaderLine(vector_.File("header-signed-request.txt"), "Authorization"));

  // The intermediate steps, from the signed request's own Authorization header.
  auto auth = ParseSigV4Authorization(request.Header("Authorization"));
  ASSERT_TRUE(auth.ok()) << auth.status().ToString();
  SigV4Params params{auth->signed_headers,
                     std::string(request.Header("X-Amz-Date")),
                     auth->scope,
                     SigV4PayloadHash(request),
                     vector_.options.normalize_path,
                     false};
  const std::string canonical = SigV4CanonicalRequest(request, params);
  EXPECT_EQ(canonical, vector_.File("header-canonical-request.txt"));
  EXPECT_EQ(SigV4StringToSign(params.amz_date, params.scope, canonical),
            vector_.File("header-string-to-sign.txt"));
  EXPECT_EQ(SigV4Signature(request, params, vector_.options.secret_access_key),
            vector_.File("header-signature.txt"));
}

TEST_P(SigV4VectorTest, PresigningMatchesVector) {
  if (vector_.omit_session_token) {
    GTEST_SKIP() << "the presigned vector adds an unsigned X-Amz-Security-Token to the query; "
                    "roadsense's Presign signs every query parameter";
  }
  net::HttpRequest request = ParseVectorRequest(vector_.File("request.txt"));
  // A presigned URL always carries the session token in its query (it is signed there).
  SigV4SignerOptions options = vector_.options;
  options.session_token = vector_.session_token;
  ASSERT_TRUE(SigV4Signer(options).Presign(&request, vector_.time, vector_.expires).ok());
  const net::HttpRequest expected = ParseVectorRequest(vector_.File("query-signed-request.txt"));
  EXPECT_EQ(request.target, expected.target);

  SigV4Params params{
      {},
      SigV4AmzDate(vector_.time),
      SigV4Scope{SigV4AmzDate(vector_.time).substr(0, 8), options.region, options.service},
      Sha256Hex(request.body),
      options.normalize_path,
      true};
  for (const auto& [key, value] : request.headers) {
    std::string lower = key;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    params.signed_headers.push_back(lower);
  }
  std::sort(params.signed_headers.begin(), params.signed_headers.end());
  params.signed_headers.erase(
      std::unique(params.signed_headers.begin(), params.signed_headers.end()),
      params.signed_headers.end());
  const std::string canonical = SigV4CanonicalRequest(request, params);
  EXPECT_EQ(canonical, vector_.File("query-canonical-request.txt"));
  EXPECT_EQ(SigV4StringToSign(params.amz_date, params.scope, canonical),
            vector_.File("query-string-to-sign.txt"));
  EXPECT_EQ(SigV4Signature(request, params, options.secret_access_key),
            vector_.File("query-signature.txt"));
}

INSTANTIATE_TEST_SUITE_P(AwsCAuth, SigV4VectorTest,
                         ::testing::ValuesIn(testing::SigV4VectorNames()),
                         [](const ::testing::TestParamInfo<const char*>& info) {
                           return testing::SigV4VectorTestName(info.param);
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
  SigV4Params params{auth->signed_headers, std::string(request.Header("X-Amz-Date")), auth->scope,
                     SigV4PayloadHash(request)};
  EXPECT_EQ(SigV4Signature(request, params, "secret"), auth->signature);
  request.body = "{\"a\":2}";
  params.payload_hash = SigV4PayloadHash(request);
  EXPECT_NE(SigV4Signature(request, params, "secret"), auth->signature);
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
