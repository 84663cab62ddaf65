// SigV4Verifier: every public test vector verifies in both forms (header and presigned query) and
// fails with a flipped byte; then one test per rejection rule (missing, malformed, unsigned host,
// clock skew, presign expiry, scope, payload hash).
#include "sqs/sigv4_verifier.h"

#include <gtest/gtest.h>

#include "core/digest.h"
#include "tests/sqs/sigv4_test_vectors.h"

namespace roadsense::sqs {
namespace {

using namespace std::chrono_literals;
using testing::LoadSigV4Vector;
using testing::ParseVectorRequest;
using testing::SigV4Vector;

// The SQS error shape a verifier Status starts with ("SignatureDoesNotMatch").
std::string Shape(const Status& status) {
  const std::string_view text = status.message();
  return std::string(text.substr(0, text.find(':')));
}

class SigV4VerifyVectorTest : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(testing::SigV4VectorDir())) {
      GTEST_SKIP() << "SigV4 test vectors not found at " << testing::SigV4VectorDir();
    }
    vector_ = LoadSigV4Vector(GetParam());
  }

  SigV4Verifier Verifier() const {
    SigV4VerifierOptions options;
    options.region = vector_.options.region;
    options.service = vector_.options.service;
    options.normalize_path = vector_.options.normalize_path;
    return SigV4Verifier(options);
  }

  // Parse + Verify of `request` at the vector's time plus `later`.
  Status Check(const net::HttpRequest& request, std::chrono::seconds later = 0s) const {
    const SigV4Verifier verifier = Verifier();
    auto claim = verifier.Parse(request);
    if (!claim.ok()) return claim.status();
    EXPECT_EQ(claim->access_key_id, "AKIDEXAMPLE");
    return verifier.Verify(request, *claim, vector_.options.secret_access_key,
                           vector_.time + later);
  }

  // The expected signed request; "omit_session_token" vectors add the token after signing.
  net::HttpRequest HeaderSigned() const {
    return ParseVectorRequest(vector_.File("header-signed-request.txt"));
  }
  net::HttpRequest QuerySigned() const {
    return ParseVectorRequest(vector_.File("query-signed-request.txt"));
  }

  SigV4Vector vector_;
};

TEST_P(SigV4VerifyVectorTest, HeaderSignedRequestVerifies) {
  const Status status = Check(HeaderSigned());
  EXPECT_TRUE(status.ok()) << status.ToString();
}

TEST_P(SigV4VerifyVectorTest, PresignedRequestVerifies) {
  if (vector_.omit_session_token) {
    GTEST_SKIP() << "the presigned vector adds an unsigned X-Amz-Security-Token to the query; "
                    "roadsense signs every query parameter";
  }
  const Status status = Check(QuerySigned());
  EXPECT_TRUE(status.ok()) << status.ToString();
}

TEST_P(SigV4VerifyVectorTest, HeaderSignedRequestWithFlippedSignatureByteFails) {
  net::HttpRequest request = HeaderSigned();
  for (auto& [name, value] : request.headers) {
    if (name != "Authorization") continue;
    char& last = value.back();
    last = last == '0' ? '1' : '0';
  }
  EXPECT_EQ(Shape(Check(request)), "SignatureDoesNotMatch");
}

TEST_P(SigV4VerifyVectorTest, HeaderSignedRequestWithFlippedRequestByteFails) {
  net::HttpRequest request = HeaderSigned();
  // A byte of what is signed: the body when there is one, else the Host header.
  if (!request.body.empty()) {
    request.body[0] ^= 1;
    // The declared payload hash must follow, or the payload check alone would catch it.
    for (auto& [name, value] : request.headers) {
      if (name == "x-amz-content-sha256") value = Sha256Hex(request.body);
    }
  } else {
    for (auto& [name, value] : request.headers) {
      if (name == "Host") value[0] ^= 1;
    }
  }
  EXPECT_EQ(Shape(Check(request)), "SignatureDoesNotMatch");
}

TEST_P(SigV4VerifyVectorTest, PresignedRequestWithFlippedSignatureByteFails) {
  net::HttpRequest request = QuerySigned();
  char& last = request.target.back();
  last = last == '0' ? '1' : '0';
  EXPECT_EQ(Shape(Check(request)), "SignatureDoesNotMatch");
}

TEST_P(SigV4VerifyVectorTest, PresignedRequestWithFlippedPathByteFails) {
  net::HttpRequest request = QuerySigned();
  request.target.insert(1, "x/");  // a new segment survives path normalization
  EXPECT_EQ(Shape(Check(request)), "SignatureDoesNotMatch");
}

TEST_P(SigV4VerifyVectorTest, PresignedRequestPastExpiresIsExpired) {
  EXPECT_EQ(Shape(Check(QuerySigned(), vector_.expires + 1s)), "RequestExpired");
}

INSTANTIATE_TEST_SUITE_P(AwsCAuth, SigV4VerifyVectorTest,
                         ::testing::ValuesIn(testing::SigV4VectorNames()),
                         [](const ::testing::TestParamInfo<const char*>& info) {
                           return testing::SigV4VectorTestName(info.param);
                         });

// ---- Rules, on requests signed here ----

const auto kNow = std::chrono::system_clock::from_time_t(1'780'000'000);

net::HttpRequest SignedRequest(std::chrono::system_clock::time_point at = kNow) {
  net::HttpRequest request{"POST",
                           "/",
                           {{"Host", "localhost:9324"},
                            {"Content-Type", "application/x-amz-json-1.0"},
                            {"X-Amz-Target", "AmazonSQS.ListQueues"}},
                           "{}",
                           ""};
  EXPECT_TRUE(SigV4Signer({"AKID", "secret", "", "us-east-1", "sqs"}).Sign(&request, at).ok());
  return request;
}

Status Check(const net::HttpRequest& request, std::chrono::system_clock::time_point now = kNow,
             std::string_view secret = "secret") {
  const SigV4Verifier verifier({});
  auto claim = verifier.Parse(request);
  if (!claim.ok()) return claim.status();
  return verifier.Verify(request, *claim, secret, now);
}

void ReplaceHeader(net::HttpRequest* request, std::string_view name, std::string value) {
  for (auto& [key, old] : request->headers) {
    if (key == name) old = std::move(value);
  }
}

TEST(SigV4VerifierTest, SignedRequestVerifies) { EXPECT_TRUE(Check(SignedRequest()).ok()); }

TEST(SigV4VerifierTest, WrongSecretIsSignatureDoesNotMatch) {
  const Status status = Check(SignedRequest(), kNow, "other");
  EXPECT_EQ(status.code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(status.message(),
            "SignatureDoesNotMatch: The request signature we calculated does not match the "
            "signature you provided. Check your AWS Secret Access Key and signing method. Consult "
            "the service documentation for details.");
}

TEST(SigV4VerifierTest, NoSignatureIsMissingAuthenticationToken) {
  net::HttpRequest request{"POST", "/", {{"Host", "h"}}, "{}", ""};
  EXPECT_EQ(Shape(Check(request)), "MissingAuthenticationToken");
  request.target = "/?Action=ListQueues";
  EXPECT_EQ(Shape(Check(request)), "MissingAuthenticationToken");
}

TEST(SigV4VerifierTest, MalformedAuthorizationIsIncompleteSignature) {
  for (const char* bad : {"AWS4-HMAC-SHA256 Credential=AKID/20260528/us-east-1/sqs/aws4_request",
                          "AWS AKID:signature", "Bearer token"}) {
    net::HttpRequest request = SignedRequest();
    ReplaceHeader(&request, "Authorization", bad);
    EXPECT_EQ(Shape(Check(request)), "IncompleteSignature") << bad;
  }
}

TEST(SigV4VerifierTest, MissingAmzDateIsIncompleteSignature) {
  net::HttpRequest request = SignedRequest();
  std::erase_if(request.headers, [](const auto& h) { return h.first == "X-Amz-Date"; });
  EXPECT_EQ(Shape(Check(request)), "IncompleteSignature");
}

TEST(SigV4VerifierTest, HostMustBeSigned) {
  net::HttpRequest request{"POST", "/", {{"X-Amz-Target", "AmazonSQS.ListQueues"}}, "{}", ""};
  // Signed without a Host header, which is added afterwards (as a proxy might).
  request.headers.emplace_back("Host", "placeholder");
  ASSERT_TRUE(SigV4Signer({"AKID", "secret", "", "us-east-1", "sqs"}).Sign(&request, kNow).ok());
  auto auth = ParseSigV4Authorization(request.Header("Authorization"));
  ASSERT_TRUE(auth.ok());
  std::string header(request.Header("Authorization"));
  header.replace(header.find("host;"), 5, "");
  ReplaceHeader(&request, "Authorization", header);
  EXPECT_EQ(Shape(Check(request)), "IncompleteSignature");
}

TEST(SigV4VerifierTest, ClockSkewBeyondFifteenMinutesIsRequestExpired) {
  EXPECT_TRUE(Check(SignedRequest(kNow - 14min)).ok());
  EXPECT_TRUE(Check(SignedRequest(kNow + 14min)).ok());
  const Status old = Check(SignedRequest(kNow - 16min));
  EXPECT_EQ(Shape(old), "RequestExpired");
  EXPECT_NE(old.message().find("Signature expired"), std::string::npos) << old.ToString();
  EXPECT_EQ(Shape(Check(SignedRequest(kNow + 16min))), "RequestExpired");
}

TEST(SigV4VerifierTest, WrongRegionOrServiceIsSignatureDoesNotMatch) {
  net::HttpRequest request{"POST", "/", {{"Host", "h"}}, "{}", ""};
  ASSERT_TRUE(SigV4Signer({"AKID", "secret", "", "eu-west-1", "sqs"}).Sign(&request, kNow).ok());
  EXPECT_EQ(Shape(Check(request)), "SignatureDoesNotMatch");
  request = {"POST", "/", {{"Host", "h"}}, "{}", ""};
  ASSERT_TRUE(SigV4Signer({"AKID", "secret", "", "us-east-1", "s3"}).Sign(&request, kNow).ok());
  EXPECT_EQ(Shape(Check(request)), "SignatureDoesNotMatch");
}

TEST(SigV4VerifierTest, ChangedBodyIsSignatureDoesNotMatch) {
  net::HttpRequest request = SignedRequest();
  request.body = "{ }";
  EXPECT_EQ(Shape(Check(request)), "SignatureDoesNotMatch");
}

TEST(SigV4VerifierTest, DeclaredPayloadHashMustMatchBody) {
  net::HttpRequest request{"POST", "/", {{"Host", "h"}}, "{}", ""};
  SigV4SignerOptions options{"AKID", "secret", "", "us-east-1", "sqs"};
  options.add_content_sha256 = true;
  ASSERT_TRUE(SigV4Signer(options).Sign(&request, kNow).ok());
  EXPECT_TRUE(Check(request).ok());
  // Same signed header, other body: the signature still covers the declared hash only.
  request.body = "{\"evil\":1}";
  const Status status = Check(request);
  EXPECT_EQ(Shape(status), "SignatureDoesNotMatch");
  EXPECT_NE(status.message().find("x-amz-content-sha256"), std::string::npos);
}

TEST(SigV4VerifierTest, PresignedRequestVerifiesUntilExpires) {
  net::HttpRequest request{
      "GET", "/000000000000/q?Action=GetQueueAttributes", {{"Host", "h"}}, "", ""};
  ASSERT_TRUE(
      SigV4Signer({"AKID", "secret", "", "us-east-1", "sqs"}).Presign(&request, kNow, 60s).ok());
  EXPECT_TRUE(Check(request, kNow + 60s).ok());
  EXPECT_EQ(Shape(Check(request, kNow + 61s)), "RequestExpired");
  EXPECT_EQ(Shape(Check(request, kNow, "other")), "SignatureDoesNotMatch");
}

TEST(SigV4VerifierTest, PresignedRequestWithoutSignatureIsIncomplete) {
  net::HttpRequest request{"GET", "/?Action=ListQueues", {{"Host", "h"}}, "", ""};
  ASSERT_TRUE(
      SigV4Signer({"AKID", "secret", "", "us-east-1", "sqs"}).Presign(&request, kNow, 60s).ok());
  request.target.erase(request.target.find("&X-Amz-Signature="));
  EXPECT_EQ(Shape(Check(request)), "IncompleteSignature");
}

TEST(SigV4VerifierTest, PresignedExpiresBeyondSevenDaysIsIncomplete) {
  net::HttpRequest request{"GET", "/?Action=ListQueues", {{"Host", "h"}}, "", ""};
  ASSERT_TRUE(SigV4Signer({"AKID", "secret", "", "us-east-1", "sqs"})
                  .Presign(&request, kNow, std::chrono::seconds(7 * 24 * 3600 + 1))
                  .ok());
  EXPECT_EQ(Shape(Check(request)), "IncompleteSignature");
}

TEST(SigV4VerifierTest, ConstantTimeEqualsComparesContents) {
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "ab"));
  EXPECT_TRUE(ConstantTimeEquals("", ""));
}

}  // namespace
}  // namespace roadsense::sqs
