#include "receiver/fleet_authenticator.h"

#include <gtest/gtest.h>

#include <fstream>

#include "core/digest.h"
#include "tests/support/child_process.h"

namespace roadsense::receiver {
namespace {

class FleetAuthenticatorTest : public ::testing::Test {
 protected:
  void WriteKeys(const std::string& text) {
    std::ofstream out(path_, std::ios::trunc);
    out << text;
  }
  std::string Line(const std::string& fleet, const std::string& key) {
    return fleet + " " + Sha256Hex(key) + "\n";
  }

  roadsense::testing::TempDir dir_;
  std::string path_ = dir_.path() + "/keys";
  FleetAuthenticator auth_{path_};
};

TEST_F(FleetAuthenticatorTest, ValidBearerTokenYieldsTheFleet) {
  WriteKeys(Line("acme", "s3cret"));
  ASSERT_TRUE(auth_.Reload().ok());
  auto fleet = auth_.Authenticate("Bearer acme:s3cret");
  ASSERT_TRUE(fleet.ok()) << fleet.status().ToString();
  EXPECT_EQ(*fleet, "acme");
}

TEST_F(FleetAuthenticatorTest, SchemeIsCaseInsensitiveAndKeyMayContainColons) {
  WriteKeys(Line("acme", "a:b:c"));
  ASSERT_TRUE(auth_.Reload().ok());
  EXPECT_TRUE(auth_.Authenticate("bearer acme:a:b:c").ok());
}

TEST_F(FleetAuthenticatorTest, MissingOrMalformedHeaderIsUnauthenticated) {
  WriteKeys(Line("acme", "s3cret"));
  ASSERT_TRUE(auth_.Reload().ok());
  for (const char* header :
       {"", "Basic YWNtZTpzM2NyZXQ=", "Bearer ", "Bearer acme", "Bearer :x", "Bearer acme:"}) {
    auto r = auth_.Authenticate(header);
    ASSERT_FALSE(r.ok()) << header;
    EXPECT_EQ(r.status().code(), StatusCode::kUnauthenticated) << header;
  }
}

TEST_F(FleetAuthenticatorTest, WrongKeyIsUnauthenticated) {
  WriteKeys(Line("acme", "s3cret"));
  ASSERT_TRUE(auth_.Reload().ok());
  EXPECT_EQ(auth_.Authenticate("Bearer acme:guess").status().code(), StatusCode::kUnauthenticated);
}

TEST_F(FleetAuthenticatorTest, UnknownFleetIsPermissionDenied) {
  WriteKeys(Line("acme", "s3cret"));
  ASSERT_TRUE(auth_.Reload().ok());
  EXPECT_EQ(auth_.Authenticate("Bearer globex:s3cret").status().code(),
            StatusCode::kPermissionDenied);
}

TEST_F(FleetAuthenticatorTest, NothingIsAcceptedBeforeTheFirstLoad) {
  EXPECT_EQ(auth_.Authenticate("Bearer acme:s3cret").status().code(), StatusCode::kUnauthenticated);
}

TEST_F(FleetAuthenticatorTest, ReloadPicksUpNewAndRevokedKeys) {
  WriteKeys(Line("acme", "old"));
  ASSERT_TRUE(auth_.Reload().ok());
  WriteKeys(Line("acme", "new") + Line("globex", "g"));
  ASSERT_TRUE(auth_.Reload().ok());
  EXPECT_FALSE(auth_.Authenticate("Bearer acme:old").ok());
  EXPECT_TRUE(auth_.Authenticate("Bearer acme:new").ok());
  EXPECT_TRUE(auth_.Authenticate("Bearer globex:g").ok());
  EXPECT_EQ(auth_.fleet_count(), 2u);
}

TEST_F(FleetAuthenticatorTest, FailedReloadKeepsThePreviousKeys) {
  WriteKeys(Line("acme", "s3cret"));
  ASSERT_TRUE(auth_.Reload().ok());
  WriteKeys("acme not-a-digest\n");
  EXPECT_FALSE(auth_.Reload().ok());
  EXPECT_TRUE(auth_.Authenticate("Bearer acme:s3cret").ok());
}

}  // namespace
}  // namespace roadsense::receiver
