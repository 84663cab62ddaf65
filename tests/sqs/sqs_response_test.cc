// ParseSqsResponse: the members SqsClient reads, parsed straight into its result types, exactly as
// reading them from Boost.JSON's tree did (the reference below is that old code).
#include "sqs/sqs_response.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>
#include <vector>

namespace roadsense::sqs {
namespace {

namespace json = boost::json;

// ---- Reference: SqsClient's former reading of the parsed tree ----

std::string TreeString(const json::object& obj, std::string_view key) {
  const json::value* v = obj.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

const json::array& TreeArray(const json::object& obj, std::string_view key) {
  static const json::array kEmpty;
  const json::value* v = obj.if_contains(key);
  return v && v->is_array() ? v->get_array() : kEmpty;
}

std::map<std::string, std::string> TreeStringMap(const json::object& obj, std::string_view key) {
  std::map<std::string, std::string> out;
  const json::value* v = obj.if_contains(key);
  if (!v || !v->is_object()) return out;
  for (const auto& [name, value] : v->get_object()) {
    if (value.is_string()) out.emplace(name, value.get_string());
  }
  return out;
}

SqsResponse FromTree(const json::object& o) {
  SqsResponse r;
  r.queue_url = TreeString(o, "QueueUrl");
  r.sent = {"", TreeString(o, "MessageId"), TreeString(o, "MD5OfMessageBody")};
  r.attributes = TreeStringMap(o, "Attributes");
  for (const auto& v : TreeArray(o, "Messages")) {
    if (!v.is_object()) continue;
    const auto& m = v.get_object();
    r.messages.push_back({TreeString(m, "MessageId"), TreeString(m, "ReceiptHandle"),
                          TreeString(m, "Body"), TreeString(m, "MD5OfBody"),
                          TreeStringMap(m, "Attributes")});
  }
  for (const auto& v : TreeArray(o, "Successful")) {
    if (!v.is_object()) continue;
    const auto& s = v.get_object();
    r.successful.push_back(
        {TreeString(s, "Id"), TreeString(s, "MessageId"), TreeString(s, "MD5OfMessageBody")});
  }
  for (const auto& v : TreeArray(o, "Failed")) {
    if (!v.is_object()) continue;
    const auto& f = v.get_object();
    const json::value* fault = f.if_contains("SenderFault");
    r.failed.push_back({TreeString(f, "Id"), TreeString(f, "Code"), TreeString(f, "Message"),
                        fault && fault->is_bool() && fault->get_bool()});
  }
  r.error_type = TreeString(o, "__type");
  r.error_message = TreeString(o, "message");
  r.error_message_capitalized = TreeString(o, "Message");
  return r;
}

void ExpectSame(const SqsResponse& got, const SqsResponse& want, const std::string& text) {
  SCOPED_TRACE(text);
  EXPECT_EQ(got.queue_url, want.queue_url);
  EXPECT_EQ(got.sent.message_id, want.sent.message_id);
  EXPECT_EQ(got.sent.md5_of_body, want.sent.md5_of_body);
  EXPECT_EQ(got.attributes, want.attributes);
  ASSERT_EQ(got.messages.size(), want.messages.size());
  for (size_t i = 0; i < got.messages.size(); ++i) {
    EXPECT_EQ(got.messages[i].message_id, want.messages[i].message_id);
    EXPECT_EQ(got.messages[i].receipt_handle, want.messages[i].receipt_handle);
    EXPECT_EQ(got.messages[i].body, want.messages[i].body);
    EXPECT_EQ(got.messages[i].md5_of_body, want.messages[i].md5_of_body);
    EXPECT_EQ(got.messages[i].attributes, want.messages[i].attributes);
  }
  ASSERT_EQ(got.successful.size(), want.successful.size());
  for (size_t i = 0; i < got.successful.size(); ++i) {
    EXPECT_EQ(got.successful[i].id, want.successful[i].id);
    EXPECT_EQ(got.successful[i].message_id, want.successful[i].message_id);
    EXPECT_EQ(got.successful[i].md5_of_body, want.successful[i].md5_of_body);
  }
  ASSERT_EQ(got.failed.size(), want.failed.size());
  for (size_t i = 0; i < got.failed.size(); ++i) {
    EXPECT_EQ(got.failed[i].id, want.failed[i].id);
    EXPECT_EQ(got.failed[i].code, want.failed[i].code);
    EXPECT_EQ(got.failed[i].message, want.failed[i].message);
    EXPECT_EQ(got.failed[i].sender_fault, want.failed[i].sender_fault);
  }
  EXPECT_EQ(got.error_type, want.error_type);
  EXPECT_EQ(got.error_message, want.error_message);
  EXPECT_EQ(got.error_message_capitalized, want.error_message_capitalized);
}

// A response left over from parsing another document: every field set, three messages.
SqsResponse LeftOver() {
  SqsResponse r;
  r.queue_url = "stale-url";
  r.sent = {"stale-id", "stale-message-id", "stale-md5"};
  r.attributes = {{"Stale", "1"}};
  for (int i = 0; i < 3; ++i) {
    r.messages.push_back({"stale-message-id-" + std::to_string(i),
                          "stale-receipt-handle",
                          std::string(2048, 's'),
                          "stale-md5",
                          {{"Stale", "1"}}});
  }
  r.successful.push_back({"stale", "stale", "stale"});
  r.failed.push_back({"stale", "stale", "stale", true});
  r.error_type = r.error_message = r.error_message_capitalized = "stale";
  return r;
}

// Parses `text` both ways and expects the same fields, or the same error; also parsed into a
// left-over response (ParseSqsResponseInto), which must end the same.
void ExpectLikeTree(const std::string& text) {
  auto got = ParseSqsResponse(text);
  SqsResponse reused = LeftOver();
  const Status into = ParseSqsResponseInto(text, &reused);
  boost::system::error_code ec;
  const json::value tree = json::parse(text, ec);
  if (ec) {
    ASSERT_FALSE(got.ok()) << text;
    EXPECT_EQ(got.status().message(), "malformed JSON response: " + ec.message()) << text;
    EXPECT_EQ(into.message(), got.status().message()) << text;
    return;
  }
  if (!tree.is_object()) {
    ASSERT_FALSE(got.ok()) << text;
    EXPECT_EQ(got.status().message(), "malformed JSON response: not an object") << text;
    EXPECT_EQ(into.message(), got.status().message()) << text;
    return;
  }
  ASSERT_TRUE(got.ok()) << text << ": " << got.status().ToString();
  ExpectSame(*got, FromTree(tree.get_object()), text);
  ASSERT_TRUE(into.ok()) << text << ": " << into.ToString();
  ExpectSame(reused, FromTree(tree.get_object()), "into a left-over response: " + text);
}

// ---- Tests ----

TEST(SqsResponseTest, ReceiveMessageResponseFillsMessages) {
  const std::string text =
      R"({"Messages":[{"MessageId":"m-1","ReceiptHandle":"rh-1","Body":"a \"quoted\"\n\u00e9 body",)"
      R"("MD5OfBody":"d1","Attributes":{"ApproximateReceiveCount":"2","SentTimestamp":"17"}},)"
      R"({"MessageId":"m-2","Body":"","MD5OfBody":"d2"}]})";
  auto r = ParseSqsResponse(text);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->messages.size(), 2u);
  EXPECT_EQ(r->messages[0].message_id, "m-1");
  EXPECT_EQ(r->messages[0].receipt_handle, "rh-1");
  EXPECT_EQ(r->messages[0].body, "a \"quoted\"\n\xc3\xa9 body");
  EXPECT_EQ(r->messages[0].md5_of_body, "d1");
  EXPECT_EQ(r->messages[0].attributes,
            (std::map<std::string, std::string>{{"ApproximateReceiveCount", "2"},
                                                {"SentTimestamp", "17"}}));
  EXPECT_EQ(r->messages[1].message_id, "m-2");
  EXPECT_EQ(r->messages[1].receipt_handle, "");
  EXPECT_TRUE(r->messages[1].attributes.empty());
  ExpectLikeTree(text);
}

TEST(SqsResponseTest, BatchResponseFillsSuccessfulAndFailed) {
  const std::string text =
      R"({"Successful":[{"Id":"a","MessageId":"m-a","MD5OfMessageBody":"d"}],)"
      R"("Failed":[{"Id":"c","Code":"InvalidMessageContents","Message":"bad","SenderFault":true}]})";
  auto r = ParseSqsResponse(text);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->successful.size(), 1u);
  EXPECT_EQ(r->successful[0].id, "a");
  EXPECT_EQ(r->successful[0].message_id, "m-a");
  EXPECT_EQ(r->successful[0].md5_of_body, "d");
  ASSERT_EQ(r->failed.size(), 1u);
  EXPECT_EQ(r->failed[0].code, "InvalidMessageContents");
  EXPECT_TRUE(r->failed[0].sender_fault);
  ExpectLikeTree(text);
}

TEST(SqsResponseTest, TopLevelFieldsAndErrorShapes) {
  ExpectLikeTree(R"({"QueueUrl":"http://q/1/a"})");
  ExpectLikeTree(R"({"MessageId":"m","MD5OfMessageBody":"d","MD5OfMessageAttributes":"x"})");
  ExpectLikeTree(R"({"Attributes":{"VisibilityTimeout":"30","DelaySeconds":"0"}})");
  ExpectLikeTree(R"({"__type":"com.amazonaws.sqs#QueueDoesNotExist","message":"gone"})");
  ExpectLikeTree(R"({"__type":"X","Message":"capital"})");
}

TEST(SqsResponseTest, RepeatedKeysLastOneCounts) {
  ExpectLikeTree(R"({"QueueUrl":"a","QueueUrl":"b"})");
  ExpectLikeTree(R"({"QueueUrl":"a","QueueUrl":5})");
  ExpectLikeTree(R"({"Messages":[{"Body":"x"}],"Messages":[{"Body":"y"},{"Body":"z"}]})");
  ExpectLikeTree(R"({"Messages":[{"Body":"x"}],"Messages":{}})");
  ExpectLikeTree(R"({"Messages":[{"Body":"x","Body":"y","MD5OfBody":"d","MD5OfBody":null}]})");
  ExpectLikeTree(R"({"Attributes":{"a":"1","b":"2","a":3}})");
  ExpectLikeTree(R"({"Attributes":{"a":"1","a":"2"},"Attributes":{"c":"3"}})");
  ExpectLikeTree(R"({"Failed":[{"Id":"1","SenderFault":true,"SenderFault":"yes"}]})");
  ExpectLikeTree(R"({"Failed":[{"SenderFault":false,"SenderFault":true}]})");
}

TEST(SqsResponseTest, MembersOfTheWrongTypeReadAsAbsent) {
  ExpectLikeTree(R"({"QueueUrl":{"x":"y"},"MessageId":["m"],"MD5OfMessageBody":true})");
  ExpectLikeTree(R"({"Messages":{"Body":"x"},"Successful":"a","Failed":null})");
  ExpectLikeTree(R"({"Messages":[1,"two",[{"Body":"x"}],null,{"Body":"ok"},true]})");
  ExpectLikeTree(R"({"Messages":[{"Body":{"nested":"x"},"Attributes":["a"]}]})");
  ExpectLikeTree(R"({"Attributes":{"a":{"b":"c"},"d":["e"],"f":"g","h":1.5}})");
  ExpectLikeTree(R"({"Attributes":"all"})");
  ExpectLikeTree(R"({"Failed":[{"Id":7,"Code":null,"SenderFault":1}]})");
}

TEST(SqsResponseTest, OtherMembersAreSkippedWhateverTheirShape) {
  ExpectLikeTree(R"({"Other":{"Messages":[{"Body":"no"}],"QueueUrl":"no","Attributes":{"a":"no"}},)"
                 R"("List":[{"QueueUrl":"no"},[["Failed"]]],"QueueUrl":"yes",)"
                 R"("Messages":[{"Extra":{"Body":"no","Attributes":{"x":"no"}},"Body":"yes",)"
                 R"("Attributes":{"k":"v","deep":{"k2":"no"}},"More":[{"Body":"no"}]}]})");
  ExpectLikeTree(R"({"Successful":[{"Id":"1","Body":"ignored","Attributes":{"a":"b"}}]})");
}

TEST(SqsResponseTest, EscapedKeysAndValuesAreUnescaped) {
  const std::string text = R"({"Mess\u0061ges":[{"B\u006fdy":"tab\there \ud83d\ude00",)"
                           R"("Attributes":{"n\u0061me":"v\/1"}}]})";
  auto r = ParseSqsResponse(text);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->messages.size(), 1u);
  EXPECT_EQ(r->messages[0].body, "tab\there \xf0\x9f\x98\x80");
  EXPECT_EQ(r->messages[0].attributes.at("name"), "v/1");
  ExpectLikeTree(text);
}

TEST(SqsResponseTest, LongStringsArriveWhole) {
  std::string body;
  for (int i = 0; i < 5000; ++i) body += (i % 7 == 0) ? "\\\"" : "x";
  const std::string text = R"({"Messages":[{"Body":")" + body + R"("}]})";
  ExpectLikeTree(text);
}

TEST(SqsResponseTest, EmptyBodyIsAnEmptyResponse) {
  auto r = ParseSqsResponse("");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->messages.empty());
  EXPECT_TRUE(r->queue_url.empty());
}

TEST(SqsResponseTest, MalformedTextFailsWithTheParsersMessage) {
  const std::vector<std::string> texts = {
      "{",
      "{\"a\":}",
      "[1,2]",
      "\"text\"",
      "42",
      "null",
      "{} extra",
      "{}{}",
      "{\"a\":1,}",
      "{\"a\":\"\xff\"}",
      "{/*c*/}",
      " ",
      "{\"Messages\":[{\"Body\":\"x\"}]",
      std::string(40, '[') + std::string(40, ']'),
      "{\"a\":" + std::string(40, '[') + std::string(40, ']') + "}"};
  for (const std::string& text : texts) {
    ExpectLikeTree(text);
  }
  auto r = ParseSqsResponse("[]");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInternal);
  EXPECT_EQ(r.status().message(), "malformed JSON response: not an object");
}

}  // namespace
}  // namespace roadsense::sqs
