#include "sqs/message_attributes.h"

#include <gtest/gtest.h>

namespace roadsense::sqs {
namespace {

MessageAttributeValue StringValue(std::string v) {
  MessageAttributeValue a;
  a.data_type = "String";
  a.string_value = std::move(v);
  return a;
}

TEST(MessageDigest, BodyIsLowercaseHexMd5) {
  EXPECT_EQ(Md5OfBody("hello"), "5d41402abc4b2a76b9719d911017c592");
}

TEST(MessageDigest, BodiesOfABatchEachGetTheirOwnDigestInOrder) {
  const std::vector<std::string_view> bodies = {"hello", "", "hello", std::string_view("x\0y", 3)};
  const std::vector<FixedText<32>> digests = Md5OfBodies(bodies);
  ASSERT_EQ(digests.size(), bodies.size());
  for (size_t i = 0; i < bodies.size(); ++i)
    EXPECT_EQ(digests[i].view(), Md5OfBody(bodies[i])) << i;
  EXPECT_EQ(digests[0].view(), "5d41402abc4b2a76b9719d911017c592");
}

TEST(MessageDigest, TwoStringAttributesMatchSdkVector) {
  MessageAttributes attrs;
  attrs["test_attribute_name_2"] = StringValue("test_attribute_value_2");
  attrs["test_attribute_name_1"] = StringValue("test_attribute_value_1");
  EXPECT_EQ(Md5OfMessageAttributes(attrs), "d53f3b558fe951154770f25cb63dbba9");
}

TEST(MessageDigest, BinaryAttributeMatchesSdkVector) {
  MessageAttributes attrs;
  MessageAttributeValue v;
  v.data_type = "Binary";
  v.binary_value = "test_attribute_value";
  attrs["test_attribute_name"] = v;
  EXPECT_EQ(Md5OfMessageAttributes(attrs), "23f6bd27ea87aab7dfeadcc9aebee495");
}

TEST(MessageDigest, StringWithSpaceMatchesSdkVector) {
  MessageAttributes attrs;
  attrs["attribName1"] = StringValue("attribValue 1");
  EXPECT_EQ(Md5OfMessageAttributes(attrs), "19e27d4e946b072f3f58da80d94fd778");
}

TEST(MessageDigest, NoAttributesGivesEmptyDigest) { EXPECT_EQ(Md5OfMessageAttributes({}), ""); }

}  // namespace
}  // namespace roadsense::sqs
