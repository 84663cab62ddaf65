// CredentialsFile parsing and SigV4Authenticator: a request signed with a key of the file is
// authenticated as that key's user; unknown keys, wrong secrets and reloads behave as documented
// in queue/credentials_file.md.
#include "queue/sigv4_authenticator.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "queue/credentials_file.h"
#include "queue/sqs_error.h"
#include "sqs/sigv4_signer.h"

namespace roadsense::queue {
namespace {

constexpr char kFile[] =
    "# access_key_id      secret_access_key                          account_id    user\n"
    "AKIDRECEIVER         receiver-secret-0123456789                 111111111111  receiver\n"
    "AKIDPARTNER          partner#secret/with+chars                  222222222222  partner  "
    "# comment\n"
    "\n";

SqsErrorCode CodeOf(const Status& status) {
  std::string message;
  return SqsErrorCodeOf(status, &message);
}

TEST(CredentialsFileTest, ParsesKeysWithAccountAndUser) {
  auto file = CredentialsFile::Parse(kFile);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  EXPECT_EQ(file->size(), 2u);
  const AccessKey* partner = file->Find("AKIDPARTNER");
  ASSERT_NE(partner, nullptr);
  EXPECT_EQ(partner->secret_access_key, "partner#secret/with+chars");
  EXPECT_EQ(partner->account_id, "222222222222");
  EXPECT_EQ(partner->PrincipalArn(), "arn:aws:iam::222222222222:user/partner");
  EXPECT_EQ(file->Find("AKIDNOBODY"), nullptr);
}

TEST(CredentialsFileTest, MalformedLinesNameTheLine) {
  for (const char* bad :
       {"AKID secret-12345 111111111111\n", "AKID secret-12345 11111111111x user\n",
        "AK secret-12345 111111111111 user\n", "AKID short 111111111111 user\n",
        "AKID secret-12345 111111111111 us/er\n",
        "AKID secret-12345 111111111111 a\nAKID secret-67890 111111111111 b\n"}) {
    auto file = CredentialsFile::Parse(bad);
    ASSERT_FALSE(file.ok()) << bad;
    EXPECT_NE(file.status().message().find("line "), std::string::npos);
  }
}

class SigV4AuthenticatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = std::filesystem::path(::testing::TempDir()) /
            ("credentials-" + std::to_string(::getpid()) + ".txt");
    Write(kFile);
    ASSERT_TRUE(authenticator_.Reload().ok());
  }
  void TearDown() override { std::filesystem::remove(path_); }

  void Write(const std::string& text) {
    std::ofstream(path_) << text;
    ::chmod(path_.c_str(), 0600);
  }

  static net::HttpRequest Signed(const std::string& key, const std::string& secret,
                                 std::chrono::system_clock::time_point at = Now()) {
    net::HttpRequest request{"POST", "/", {{"Host", "127.0.0.1:9324"}}, "{}", "127.0.0.1:5000"};
    EXPECT_TRUE(sqs::SigV4Signer({key, secret, "", "us-east-1", "sqs"}).Sign(&request, at).ok());
    return request;
  }
  static std::chrono::system_clock::time_point Now() { return std::chrono::system_clock::now(); }

  std::filesystem::path path_;
  SigV4Authenticator authenticator_{(std::filesystem::path(::testing::TempDir()) /
                                     ("credentials-" + std::to_string(::getpid()) + ".txt"))
                                        .string(),
                                    "us-east-1"};
};

TEST_F(SigV4AuthenticatorTest, KnownKeyIsAuthenticatedAsItsUser) {
  auto caller =
      authenticator_.Authenticate(Signed("AKIDPARTNER", "partner#secret/with+chars"), Now());
  ASSERT_TRUE(caller.ok()) << caller.status().ToString();
  EXPECT_EQ(caller->access_key_id, "AKIDPARTNER");
  EXPECT_EQ(caller->account_id, "222222222222");
  EXPECT_EQ(caller->principal_arn, "arn:aws:iam::222222222222:user/partner");
}

TEST_F(SigV4AuthenticatorTest, UnknownKeyIsInvalidClientTokenId) {
  EXPECT_EQ(CodeOf(authenticator_.Authenticate(Signed("AKIDNOBODY", "whatever-1"), Now()).status()),
            SqsErrorCode::kInvalidClientTokenId);
}

TEST_F(SigV4AuthenticatorTest, WrongSecretIsSignatureDoesNotMatch) {
  const Status status =
      authenticator_.Authenticate(Signed("AKIDRECEIVER", "not-the-secret"), Now()).status();
  EXPECT_EQ(CodeOf(status), SqsErrorCode::kSignatureDoesNotMatch) << status.ToString();
}

TEST_F(SigV4AuthenticatorTest, UnsignedRequestIsMissingAuthenticationToken) {
  net::HttpRequest request{"POST", "/", {{"Host", "h"}}, "{}", ""};
  EXPECT_EQ(CodeOf(authenticator_.Authenticate(request, Now()).status()),
            SqsErrorCode::kMissingAuthenticationToken);
}

TEST_F(SigV4AuthenticatorTest, OldSignatureIsRequestExpired) {
  const auto request =
      Signed("AKIDRECEIVER", "receiver-secret-0123456789", Now() - std::chrono::minutes(20));
  EXPECT_EQ(CodeOf(authenticator_.Authenticate(request, Now()).status()),
            SqsErrorCode::kRequestExpired);
}

TEST_F(SigV4AuthenticatorTest, ReloadSwapsKeys) {
  Write("AKIDNEW new-secret-0123 111111111111 fresh\n");
  ASSERT_TRUE(authenticator_.Reload().ok());
  EXPECT_TRUE(authenticator_.Authenticate(Signed("AKIDNEW", "new-secret-0123"), Now()).ok());
  EXPECT_EQ(CodeOf(authenticator_
                       .Authenticate(Signed("AKIDRECEIVER", "receiver-secret-0123456789"), Now())
                       .status()),
            SqsErrorCode::kInvalidClientTokenId);
}

TEST_F(SigV4AuthenticatorTest, BadReloadKeepsPreviousKeys) {
  Write("this is not a credentials file\n");
  EXPECT_FALSE(authenticator_.Reload().ok());
  EXPECT_EQ(authenticator_.key_count(), 2u);
  EXPECT_TRUE(
      authenticator_.Authenticate(Signed("AKIDRECEIVER", "receiver-secret-0123456789"), Now())
          .ok());
}

TEST_F(SigV4AuthenticatorTest, WorldReadableFileIsWarnedAbout) {
  std::string warning;
  ASSERT_TRUE(authenticator_.Reload(&warning).ok());
  EXPECT_EQ(warning, "");
  ::chmod(path_.c_str(), 0644);
  ASSERT_TRUE(authenticator_.Reload(&warning).ok());
  EXPECT_NE(warning.find("readable by every user"), std::string::npos) << warning;
}

}  // namespace
}  // namespace roadsense::queue
