#include "receiver/fleet_keys.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/digest.h"

namespace roadsense::receiver {
namespace {

using ::testing::HasSubstr;

TEST(FleetKeysTest, ParsesLinesCommentsAndBlankLines) {
  const std::string text = "# fleet keys\n\nacme " + Sha256Hex("k1") + "  # primary\r\n" +
                           "\tglobex\t" + Sha256Hex("k2") + "\n";
  auto keys = FleetKeys::Parse(text);
  ASSERT_TRUE(keys.ok()) << keys.status().ToString();
  EXPECT_EQ(keys->fleet_count(), 2u);
  EXPECT_TRUE(keys->Matches("acme", "k1"));
  EXPECT_TRUE(keys->Matches("globex", "k2"));
}

TEST(FleetKeysTest, WrongKeyOrOtherFleetsKeyDoesNotMatch) {
  auto keys = FleetKeys::Parse("acme " + Sha256Hex("k1") + "\nglobex " + Sha256Hex("k2") + "\n");
  ASSERT_TRUE(keys.ok());
  EXPECT_FALSE(keys->Matches("acme", "k2"));
  EXPECT_FALSE(keys->Matches("acme", ""));
  EXPECT_FALSE(keys->Matches("initech", "k1"));
  EXPECT_FALSE(keys->HasFleet("initech"));
}

TEST(FleetKeysTest, AFleetMayHaveSeveralKeys) {
  auto keys = FleetKeys::Parse("acme " + Sha256Hex("old") + "\nacme " + Sha256Hex("new") + "\n");
  ASSERT_TRUE(keys.ok());
  EXPECT_EQ(keys->fleet_count(), 1u);
  EXPECT_TRUE(keys->Matches("acme", "old"));
  EXPECT_TRUE(keys->Matches("acme", "new"));
}

TEST(FleetKeysTest, UppercaseHexDigestIsAccepted) {
  std::string hex = Sha256Hex("k1");
  for (char& c : hex) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  auto keys = FleetKeys::Parse("acme " + hex);
  ASSERT_TRUE(keys.ok());
  EXPECT_TRUE(keys->Matches("acme", "k1"));
}

TEST(FleetKeysTest, ShortDigestIsRejectedWithLineNumber) {
  auto keys = FleetKeys::Parse("# c\nacme abc123\n");
  ASSERT_FALSE(keys.ok());
  EXPECT_THAT(keys.status().message(), HasSubstr("line 2"));
  EXPECT_THAT(keys.status().message(), HasSubstr("64 hex digits"));
}

TEST(FleetKeysTest, NonHexDigestIsRejected) {
  EXPECT_FALSE(FleetKeys::Parse("acme " + std::string(64, 'g')).ok());
}

TEST(FleetKeysTest, ThreeFieldsAreRejected) {
  auto keys = FleetKeys::Parse("acme " + Sha256Hex("k") + " extra\n");
  ASSERT_FALSE(keys.ok());
  EXPECT_THAT(keys.status().message(), HasSubstr("3 fields"));
}

TEST(FleetKeysTest, FleetIdWithColonIsRejected) {
  EXPECT_FALSE(FleetKeys::Parse("ac:me " + Sha256Hex("k")).ok());
}

TEST(FleetKeysTest, MissingFileIsIoError) {
  auto keys = FleetKeys::Load("/nonexistent/roadsense-keys");
  ASSERT_FALSE(keys.ok());
  EXPECT_EQ(keys.status().code(), StatusCode::kIoError);
}

}  // namespace
}  // namespace roadsense::receiver
