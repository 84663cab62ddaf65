// The Query protocol end to end through SqsApi::Handle: form in, XML out, parsed back — one
// round trip per action, plus errors, routing and the authentication/authorization seam.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <future>
#include <map>
#include <thread>

#include "queue/sqs_api.h"
#include "queue/sqs_error.h"
#include "tests/queue/xml_tree.h"
#include "tests/support/child_process.h"

namespace roadsense::queue {
namespace {

namespace json = boost::json;
using testing::XmlNode;
using testing::XmlReader;

using Params = std::vector<std::pair<std::string, std::string>>;

std::string FormEncode(const Params& params) {
  std::string out;
  for (const auto& [k, v] : params) {
    if (!out.empty()) out += '&';
    for (const std::string* s : {&k, &v}) {
      for (unsigned char c : *s) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
          out.push_back(static_cast<char>(c));
        } else {
          static const char* kHex = "0123456789ABCDEF";
          out += '%';
          out += kHex[c >> 4];
          out += kHex[c & 15];
        }
      }
      if (s == &k) out += '=';
    }
  }
  return out;
}

class SqsApiQueryTest : public ::testing::Test {
 protected:
  void SetUp() override { Open({}); }

  void Open(SqsApiOptions options) {
    api_.reset();
    engine_.reset();
    QueueEngineOptions engine_options{dir_.path()};
    engine_options.body_memory_bytes = 0;           // every body received is read back from the log
    engine_options.segment_target_bytes = 1 << 20;  // a small zero-filled first segment: fast start
    auto engine = QueueEngine::Open(std::move(engine_options));
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    engine_ = std::move(*engine);
    options.base_url = "http://h:1";
    api_ = std::make_unique<SqsApi>(engine_.get(), options);
  }

  net::HttpResponse Send(net::HttpRequest request) {
    std::promise<net::HttpResponse> p;
    api_->Handle(std::move(request), [&](net::HttpResponse r) { p.set_value(std::move(r)); });
    return p.get_future().get();
  }

  net::HttpResponse Query(const std::string& action, Params params, const std::string& path = "/") {
    params.insert(params.begin(), {{"Action", action}, {"Version", "2012-11-05"}});
    net::HttpRequest request;
    request.method = "POST";
    request.target = path;
    request.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
    request.body = FormEncode(params);
    return Send(std::move(request));
  }

  // The <ActionResult> element (or the response element when the action has no result).
  XmlNode QueryOk(const std::string& action, const Params& params, const std::string& path = "/") {
    auto r = Query(action, params, path);
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.Header("Content-Type"), "text/xml");
    XmlNode root = XmlReader::Parse(r.body);
    EXPECT_EQ(root.name, action + "Response");
    EXPECT_EQ(root["ResponseMetadata"]["RequestId"].text, r.Header("x-amzn-RequestId"));
    EXPECT_NE(r.body.find("xmlns=\"http://queue.amazonaws.com/doc/2012-11-05/\""),
              std::string::npos);
    return root.Has(action + "Result") ? root[action + "Result"] : root;
  }

  // Asserts the Query error shape of sqs-api.md.
  void ExpectError(const net::HttpResponse& r, int status, const std::string& code,
                   const std::string& type = "Sender") {
    EXPECT_EQ(r.status, status) << r.body;
    XmlNode root = XmlReader::Parse(r.body);
    ASSERT_EQ(root.name, "ErrorResponse") << r.body;
    EXPECT_EQ(root["Error"]["Type"].text, type);
    EXPECT_EQ(root["Error"]["Code"].text, code);
    EXPECT_FALSE(root["Error"]["Message"].text.empty());
    EXPECT_TRUE(root["Error"].Has("Detail"));
    EXPECT_EQ(root["RequestId"].text, r.Header("x-amzn-RequestId"));
  }

  std::string CreateQueue(const std::string& name = "q", Params extra = {}) {
    extra.insert(extra.begin(), {"QueueName", name});
    return QueryOk("CreateQueue", extra)["QueueUrl"].text;
  }

  // Sends `body` and receives it, returning the <Message>.
  XmlNode SendAndReceive(const std::string& url, const std::string& body) {
    QueryOk("SendMessage", {{"QueueUrl", url}, {"MessageBody", body}});
    auto result = QueryOk("ReceiveMessage", {{"QueueUrl", url}});
    return result["Message"];
  }

  // Moves every message of `src` to its dead-letter queue (maxReceiveCount 1): receive once,
  // make visible, receive again.
  void DeadLetterAll(const std::string& src_url) {
    auto first =
        QueryOk("ReceiveMessage",
                {{"QueueUrl", src_url}, {"MaxNumberOfMessages", "10"}, {"VisibilityTimeout", "0"}});
    EXPECT_FALSE(first.All("Message").empty());
    auto second = QueryOk("ReceiveMessage", {{"QueueUrl", src_url}, {"MaxNumberOfMessages", "10"}});
    EXPECT_TRUE(second.All("Message").empty());
  }

  std::string Count(const std::string& url, const std::string& attribute) {
    auto r = QueryOk("GetQueueAttributes", {{"QueueUrl", url}, {"AttributeName.1", attribute}});
    return r["Attribute"]["Value"].text;
  }

  // Dead-letter moves are logged after the receive that triggers them is answered: wait for them.
  void WaitForCount(const std::string& url, const std::string& attribute,
                    const std::string& value) {
    for (int i = 0; i < 500 && Count(url, attribute) != value; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ASSERT_EQ(Count(url, attribute), value);
  }

  void CreateRedrivePair() {
    CreateQueue("dlq");
    CreateQueue("src", {{"Attribute.1.Name", "RedrivePolicy"},
                        {"Attribute.1.Value",
                         R"({"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:dlq",)"
                         R"("maxReceiveCount":"1"})"}});
  }

  roadsense::testing::TempDir dir_;
  std::unique_ptr<QueueEngine> engine_;
  std::unique_ptr<SqsApi> api_;
  const std::string url_ = "http://h:1/000000000000/q";
};

// ---- One round trip per action ---------------------------------------------------------------

TEST_F(SqsApiQueryTest, CreateQueueTakesFlattenedAttributesAndTags) {
  EXPECT_EQ(CreateQueue("q", {{"Attribute.1.Name", "VisibilityTimeout"},
                              {"Attribute.1.Value", "7"},
                              {"Tag.1.Key", "team"},
                              {"Tag.1.Value", "maps"}}),
            url_);
  auto attributes =
      QueryOk("GetQueueAttributes", {{"QueueUrl", url_}, {"AttributeName.1", "VisibilityTimeout"}});
  ASSERT_EQ(attributes.All("Attribute").size(), 1u);
  EXPECT_EQ(attributes["Attribute"]["Name"].text, "VisibilityTimeout");
  EXPECT_EQ(attributes["Attribute"]["Value"].text, "7");
  auto tags = QueryOk("ListQueueTags", {{"QueueUrl", url_}});
  EXPECT_EQ(tags["Tag"]["Key"].text, "team");
  EXPECT_EQ(tags["Tag"]["Value"].text, "maps");
}

TEST_F(SqsApiQueryTest, GetQueueUrlAnswersTheUrl) {
  CreateQueue();
  EXPECT_EQ(QueryOk("GetQueueUrl", {{"QueueName", "q"}})["QueueUrl"].text, url_);
}

TEST_F(SqsApiQueryTest, ListQueuesRepeatsQueueUrlAndPages) {
  CreateQueue("a1");
  CreateQueue("a2");
  CreateQueue("b1");
  auto all = QueryOk("ListQueues", {{"QueueNamePrefix", "a"}});
  ASSERT_EQ(all.All("QueueUrl").size(), 2u);
  EXPECT_EQ(all.All("QueueUrl")[1]->text, "http://h:1/000000000000/a2");
  auto first = QueryOk("ListQueues", {{"MaxResults", "2"}});
  ASSERT_EQ(first.All("QueueUrl").size(), 2u);
  const std::string token = first["NextToken"].text;
  auto rest = QueryOk("ListQueues", {{"MaxResults", "2"}, {"NextToken", token}});
  ASSERT_EQ(rest.All("QueueUrl").size(), 1u);
  EXPECT_EQ(rest["QueueUrl"].text, "http://h:1/000000000000/b1");
  EXPECT_FALSE(rest.Has("NextToken"));
}

TEST_F(SqsApiQueryTest, GetQueueAttributesAllIncludesArnAndCounts) {
  CreateQueue();
  auto r = QueryOk("GetQueueAttributes", {{"QueueUrl", url_}, {"AttributeName.1", "All"}});
  std::map<std::string, std::string> got;
  for (const XmlNode* a : r.All("Attribute")) got[(*a)["Name"].text] = (*a)["Value"].text;
  EXPECT_EQ(got["QueueArn"], "arn:aws:sqs:us-east-1:000000000000:q");
  EXPECT_EQ(got["ApproximateNumberOfMessages"], "0");
  EXPECT_EQ(got["VisibilityTimeout"], "30");
}

TEST_F(SqsApiQueryTest, SetQueueAttributesChangesThem) {
  CreateQueue();
  QueryOk("SetQueueAttributes", {{"QueueUrl", url_},
                                 {"Attribute.1.Name", "DelaySeconds"},
                                 {"Attribute.1.Value", "3"},
                                 {"Attribute.2.Name", "MaximumMessageSize"},
                                 {"Attribute.2.Value", "2048"}});
  EXPECT_EQ(Count(url_, "DelaySeconds"), "3");
  EXPECT_EQ(Count(url_, "MaximumMessageSize"), "2048");
}

TEST_F(SqsApiQueryTest, SendMessageTakesFlattenedMessageAttributes) {
  CreateQueue();
  auto sent =
      QueryOk("SendMessage", {{"QueueUrl", url_},
                              {"MessageBody", "hi"},
                              {"MessageAttribute.1.Name", "test_attribute_name_1"},
                              {"MessageAttribute.1.Value.DataType", "String"},
                              {"MessageAttribute.1.Value.StringValue", "test_attribute_value_1"},
                              {"MessageAttribute.2.Name", "test_attribute_name_2"},
                              {"MessageAttribute.2.Value.DataType", "String"},
                              {"MessageAttribute.2.Value.StringValue", "test_attribute_value_2"}});
  EXPECT_EQ(sent["MD5OfMessageAttributes"].text, "d53f3b558fe951154770f25cb63dbba9");
  EXPECT_EQ(sent["MD5OfMessageBody"].text, "49f68a5c8493ec2c0bf489821c21fc3b");
  EXPECT_EQ(sent["MessageId"].text.size(), 36u);
}

TEST_F(SqsApiQueryTest, BinaryMessageAttributeIsBase64OnTheWire) {
  CreateQueue();
  auto sent = QueryOk("SendMessage", {{"QueueUrl", url_},
                                      {"MessageBody", "x"},
                                      {"MessageAttribute.1.Name", "test_attribute_name"},
                                      {"MessageAttribute.1.Value.DataType", "Binary"},
                                      {"MessageAttribute.1.Value.BinaryValue",
                                       "dGVzdF9hdHRyaWJ1dGVfdmFsdWU="}});  // test_attribute_value
  EXPECT_EQ(sent["MD5OfMessageAttributes"].text, "23f6bd27ea87aab7dfeadcc9aebee495");
  auto received =
      QueryOk("ReceiveMessage", {{"QueueUrl", url_}, {"MessageAttributeName.1", "All"}});
  const XmlNode& a = received["Message"]["MessageAttribute"];
  EXPECT_EQ(a["Name"].text, "test_attribute_name");
  EXPECT_EQ(a["Value"]["DataType"].text, "Binary");
  EXPECT_EQ(a["Value"]["BinaryValue"].text, "dGVzdF9hdHRyaWJ1dGVfdmFsdWU=");
}

TEST_F(SqsApiQueryTest, BodyWithMarkupAndCarriageReturnRoundTripsExactly) {
  CreateQueue();
  const std::string body = "a\r\nb <c> & \"d\" 'e' \xc3\xa9";
  const XmlNode m = SendAndReceive(url_, body);
  EXPECT_EQ(m["Body"].text, body);
}

TEST_F(SqsApiQueryTest, ReceiveMessageAnswersFlattenedAttributes) {
  CreateQueue();
  QueryOk("SendMessage", {{"QueueUrl", url_},
                          {"MessageBody", "hi"},
                          {"MessageAttribute.1.Name", "attribName1"},
                          {"MessageAttribute.1.Value.DataType", "String"},
                          {"MessageAttribute.1.Value.StringValue", "attribValue 1"}});
  auto r = QueryOk("ReceiveMessage", {{"QueueUrl", url_},
                                      {"AttributeName.1", "ApproximateReceiveCount"},
                                      {"AttributeName.2", "SentTimestamp"},
                                      {"MessageAttributeName.1", "All"},
                                      {"MaxNumberOfMessages", "10"}});
  ASSERT_EQ(r.All("Message").size(), 1u);
  const XmlNode& m = r["Message"];
  EXPECT_EQ(m["Body"].text, "hi");
  EXPECT_EQ(m["MD5OfBody"].text, "49f68a5c8493ec2c0bf489821c21fc3b");
  EXPECT_FALSE(m["ReceiptHandle"].text.empty());
  std::map<std::string, std::string> attributes;
  for (const XmlNode* a : m.All("Attribute")) attributes[(*a)["Name"].text] = (*a)["Value"].text;
  EXPECT_EQ(attributes.size(), 2u);
  EXPECT_EQ(attributes["ApproximateReceiveCount"], "1");
  EXPECT_EQ(m["MD5OfMessageAttributes"].text, "19e27d4e946b072f3f58da80d94fd778");
  EXPECT_EQ(m["MessageAttribute"]["Value"]["StringValue"].text, "attribValue 1");
}

TEST_F(SqsApiQueryTest, DeleteMessageDeletes) {
  CreateQueue();
  const XmlNode m = SendAndReceive(url_, "x");
  QueryOk("DeleteMessage", {{"QueueUrl", url_}, {"ReceiptHandle", m["ReceiptHandle"].text}});
  EXPECT_EQ(Count(url_, "ApproximateNumberOfMessagesNotVisible"), "0");
}

TEST_F(SqsApiQueryTest, ChangeMessageVisibilityMakesVisibleAgain) {
  CreateQueue();
  const XmlNode m = SendAndReceive(url_, "x");
  QueryOk(
      "ChangeMessageVisibility",
      {{"QueueUrl", url_}, {"ReceiptHandle", m["ReceiptHandle"].text}, {"VisibilityTimeout", "0"}});
  EXPECT_EQ(Count(url_, "ApproximateNumberOfMessages"), "1");
}

TEST_F(SqsApiQueryTest, SendMessageBatchAnswersEntriesAndErrorEntries) {
  CreateQueue();
  auto r = QueryOk("SendMessageBatch", {{"QueueUrl", url_},
                                        {"SendMessageBatchRequestEntry.1.Id", "good"},
                                        {"SendMessageBatchRequestEntry.1.MessageBody", "x"},
                                        {"SendMessageBatchRequestEntry.1.DelaySeconds", "0"},
                                        {"SendMessageBatchRequestEntry.2.Id", "bad"},
                                        {"SendMessageBatchRequestEntry.2.MessageBody", "y"},
                                        {"SendMessageBatchRequestEntry.2.DelaySeconds", "901"}});
  ASSERT_EQ(r.All("SendMessageBatchResultEntry").size(), 1u);
  EXPECT_EQ(r["SendMessageBatchResultEntry"]["Id"].text, "good");
  EXPECT_EQ(r["SendMessageBatchResultEntry"]["MD5OfMessageBody"].text,
            "9dd4e461268c8034f5c8564e155c67a6");
  ASSERT_EQ(r.All("BatchResultErrorEntry").size(), 1u);
  EXPECT_EQ(r["BatchResultErrorEntry"]["Id"].text, "bad");
  EXPECT_EQ(r["BatchResultErrorEntry"]["SenderFault"].text, "true");
  EXPECT_EQ(r["BatchResultErrorEntry"]["Code"].text, "InvalidParameterValue");
}

TEST_F(SqsApiQueryTest, DeleteMessageBatchAnswersEachEntry) {
  CreateQueue();
  const XmlNode m = SendAndReceive(url_, "x");
  auto r = QueryOk("DeleteMessageBatch",
                   {{"QueueUrl", url_},
                    {"DeleteMessageBatchRequestEntry.1.Id", "ok"},
                    {"DeleteMessageBatchRequestEntry.1.ReceiptHandle", m["ReceiptHandle"].text},
                    {"DeleteMessageBatchRequestEntry.2.Id", "bad"},
                    {"DeleteMessageBatchRequestEntry.2.ReceiptHandle", "garbage"}});
  EXPECT_EQ(r["DeleteMessageBatchResultEntry"]["Id"].text, "ok");
  EXPECT_EQ(r["BatchResultErrorEntry"]["Id"].text, "bad");
  EXPECT_EQ(r["BatchResultErrorEntry"]["Code"].text, "ReceiptHandleIsInvalid");
}

TEST_F(SqsApiQueryTest, ChangeMessageVisibilityBatchAnswersEachEntry) {
  CreateQueue();
  const XmlNode m = SendAndReceive(url_, "x");
  auto r = QueryOk(
      "ChangeMessageVisibilityBatch",
      {{"QueueUrl", url_},
       {"ChangeMessageVisibilityBatchRequestEntry.1.Id", "ok"},
       {"ChangeMessageVisibilityBatchRequestEntry.1.ReceiptHandle", m["ReceiptHandle"].text},
       {"ChangeMessageVisibilityBatchRequestEntry.1.VisibilityTimeout", "0"}});
  EXPECT_EQ(r["ChangeMessageVisibilityBatchResultEntry"]["Id"].text, "ok");
  EXPECT_FALSE(r.Has("BatchResultErrorEntry"));
  EXPECT_EQ(Count(url_, "ApproximateNumberOfMessages"), "1");
}

TEST_F(SqsApiQueryTest, PurgeQueueEmptiesIt) {
  CreateQueue();
  QueryOk("SendMessage", {{"QueueUrl", url_}, {"MessageBody", "x"}});
  QueryOk("PurgeQueue", {{"QueueUrl", url_}});
  EXPECT_EQ(Count(url_, "ApproximateNumberOfMessages"), "0");
}

TEST_F(SqsApiQueryTest, DeleteQueueDeletesIt) {
  CreateQueue();
  QueryOk("DeleteQueue", {{"QueueUrl", url_}});
  ExpectError(Query("GetQueueUrl", {{"QueueName", "q"}}), 400,
              "AWS.SimpleQueueService.NonExistentQueue");
}

TEST_F(SqsApiQueryTest, ListDeadLetterSourceQueuesRepeatsQueueUrl) {
  CreateRedrivePair();
  auto r = QueryOk("ListDeadLetterSourceQueues", {{"QueueUrl", "http://h:1/000000000000/dlq"}});
  ASSERT_EQ(r.All("QueueUrl").size(), 1u);
  EXPECT_EQ(r["QueueUrl"].text, "http://h:1/000000000000/src");
}

TEST_F(SqsApiQueryTest, TagQueueAndUntagQueueChangeListQueueTags) {
  CreateQueue("q", {{"Tag.1.Key", "a"}, {"Tag.1.Value", "1"}});
  QueryOk("TagQueue", {{"QueueUrl", url_},
                       {"Tag.1.Key", "b"},
                       {"Tag.1.Value", "2"},
                       {"Tag.2.Key", "c"},
                       {"Tag.2.Value", "3"}});
  QueryOk("UntagQueue", {{"QueueUrl", url_}, {"TagKey.1", "a"}, {"TagKey.2", "c"}});
  auto r = QueryOk("ListQueueTags", {{"QueueUrl", url_}});
  ASSERT_EQ(r.All("Tag").size(), 1u);
  EXPECT_EQ(r["Tag"]["Key"].text, "b");
  EXPECT_EQ(r["Tag"]["Value"].text, "2");
}

TEST_F(SqsApiQueryTest, AddPermissionWritesAPolicyStatementAndRemovePermissionDropsIt) {
  CreateQueue();
  QueryOk("AddPermission", {{"QueueUrl", url_},
                            {"Label", "share"},
                            {"AWSAccountId.1", "111111111111"},
                            {"ActionName.1", "SendMessage"},
                            {"ActionName.2", "ReceiveMessage"}});
  auto policy = json::parse(Count(url_, "Policy")).as_object();
  const auto& statement = policy.at("Statement").as_array().at(0).as_object();
  EXPECT_EQ(statement.at("Sid").as_string(), "share");
  EXPECT_EQ(statement.at("Effect").as_string(), "Allow");
  EXPECT_EQ(statement.at("Principal").as_object().at("AWS").as_string(),
            "arn:aws:iam::111111111111:root");
  EXPECT_EQ(json::serialize(statement.at("Action")), R"(["SQS:SendMessage","SQS:ReceiveMessage"])");
  EXPECT_EQ(statement.at("Resource").as_string(), "arn:aws:sqs:us-east-1:000000000000:q");
  ExpectError(Query("AddPermission", {{"QueueUrl", url_},
                                      {"Label", "share"},
                                      {"AWSAccountId.1", "111111111111"},
                                      {"ActionName.1", "SendMessage"}}),
              400, "InvalidParameterValue");

  QueryOk("RemovePermission", {{"QueueUrl", url_}, {"Label", "share"}});
  auto r = QueryOk("GetQueueAttributes", {{"QueueUrl", url_}, {"AttributeName.1", "All"}});
  for (const XmlNode* a : r.All("Attribute")) EXPECT_NE((*a)["Name"].text, "Policy");
  ExpectError(Query("RemovePermission", {{"QueueUrl", url_}, {"Label", "share"}}), 400,
              "InvalidParameterValue");
}

TEST_F(SqsApiQueryTest, AddPermissionWithEightActionsIsOverLimit) {
  CreateQueue();
  Params p = {{"QueueUrl", url_}, {"Label", "x"}, {"AWSAccountId.1", "111111111111"}};
  for (int i = 1; i <= 8; ++i) p.push_back({"ActionName." + std::to_string(i), "SendMessage"});
  ExpectError(Query("AddPermission", p), 403, "OverLimit");
}

TEST_F(SqsApiQueryTest, StartMessageMoveTaskMovesDeadLettersBackToTheSource) {
  CreateRedrivePair();
  const std::string src = "http://h:1/000000000000/src";
  const std::string dlq = "http://h:1/000000000000/dlq";
  for (int i = 0; i < 3; ++i) QueryOk("SendMessage", {{"QueueUrl", src}, {"MessageBody", "m"}});
  DeadLetterAll(src);
  WaitForCount(dlq, "ApproximateNumberOfMessages", "3");

  const std::string dlq_arn = "arn:aws:sqs:us-east-1:000000000000:dlq";
  auto started = QueryOk("StartMessageMoveTask", {{"SourceArn", dlq_arn}});
  EXPECT_FALSE(started["TaskHandle"].text.empty());
  api_->move_tasks().WaitIdle();
  EXPECT_EQ(Count(src, "ApproximateNumberOfMessages"), "3");
  EXPECT_EQ(Count(dlq, "ApproximateNumberOfMessages"), "0");
  EXPECT_EQ(Count(dlq, "ApproximateNumberOfMessagesNotVisible"), "0");

  auto list = QueryOk("ListMessageMoveTasks", {{"SourceArn", dlq_arn}, {"MaxResults", "10"}});
  ASSERT_EQ(list.All("ListMessageMoveTasksResultEntry").size(), 1u);
  const XmlNode& task = list["ListMessageMoveTasksResultEntry"];
  EXPECT_EQ(task["Status"].text, "COMPLETED");
  EXPECT_EQ(task["SourceArn"].text, dlq_arn);
  EXPECT_EQ(task["ApproximateNumberOfMessagesMoved"].text, "3");
  EXPECT_EQ(task["ApproximateNumberOfMessagesToMove"].text, "3");
  EXPECT_FALSE(task.Has("TaskHandle"));  // only running tasks show it
}

TEST_F(SqsApiQueryTest, MoveTaskReturnsEachMessageToTheQueueThatDeadLetteredIt) {
  CreateQueue("dlq");
  const std::string policy = R"({"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:dlq",)"
                             R"("maxReceiveCount":"1"})";
  for (const char* name : {"s1", "s2"}) {
    CreateQueue(name, {{"Attribute.1.Name", "RedrivePolicy"}, {"Attribute.1.Value", policy}});
    const std::string url = std::string("http://h:1/000000000000/") + name;
    QueryOk("SendMessage", {{"QueueUrl", url}, {"MessageBody", name}});
    DeadLetterAll(url);
  }
  const std::string dlq = "http://h:1/000000000000/dlq";
  WaitForCount(dlq, "ApproximateNumberOfMessages", "2");
  // The dead-letter queue reports where each message came from.
  auto peek = QueryOk("ReceiveMessage", {{"QueueUrl", dlq},
                                         {"MaxNumberOfMessages", "10"},
                                         {"VisibilityTimeout", "0"},
                                         {"AttributeName.1", "DeadLetterQueueSourceArn"}});
  ASSERT_EQ(peek.All("Message").size(), 2u);
  for (const XmlNode* m : peek.All("Message")) {
    EXPECT_EQ((*m)["Attribute"]["Name"].text, "DeadLetterQueueSourceArn");
    EXPECT_EQ((*m)["Attribute"]["Value"].text,
              "arn:aws:sqs:us-east-1:000000000000:" + (*m)["Body"].text);
  }
  QueryOk("StartMessageMoveTask", {{"SourceArn", "arn:aws:sqs:us-east-1:000000000000:dlq"}});
  api_->move_tasks().WaitIdle();
  for (const char* name : {"s1", "s2"}) {
    auto r =
        QueryOk("ReceiveMessage", {{"QueueUrl", std::string("http://h:1/000000000000/") + name},
                                   {"MaxNumberOfMessages", "10"}});
    ASSERT_EQ(r.All("Message").size(), 1u) << name;
    EXPECT_EQ(r["Message"]["Body"].text, name);
  }
}

TEST_F(SqsApiQueryTest, AwsTraceHeaderIsKeptAndDigested) {
  CreateQueue();
  auto sent = QueryOk("SendMessage", {{"QueueUrl", url_},
                                      {"MessageBody", "x"},
                                      {"MessageSystemAttribute.1.Name", "AWSTraceHeader"},
                                      {"MessageSystemAttribute.1.Value.DataType", "String"},
                                      {"MessageSystemAttribute.1.Value.StringValue", "Root=1-a"}});
  EXPECT_EQ(sent["MD5OfMessageSystemAttributes"].text.size(), 32u);
  auto r = QueryOk("ReceiveMessage", {{"QueueUrl", url_}, {"AttributeName.1", "AWSTraceHeader"}});
  EXPECT_EQ(r["Message"]["Attribute"]["Name"].text, "AWSTraceHeader");
  EXPECT_EQ(r["Message"]["Attribute"]["Value"].text, "Root=1-a");
  ExpectError(Query("SendMessage", {{"QueueUrl", url_},
                                    {"MessageBody", "x"},
                                    {"MessageSystemAttribute.1.Name", "SenderId"},
                                    {"MessageSystemAttribute.1.Value.DataType", "String"},
                                    {"MessageSystemAttribute.1.Value.StringValue", "me"}}),
              400, "InvalidParameterValue");
}

TEST_F(SqsApiQueryTest, CancelMessageMoveTaskStopsARateLimitedMove) {
  CreateRedrivePair();
  const std::string src = "http://h:1/000000000000/src";
  for (int i = 0; i < 5; ++i) QueryOk("SendMessage", {{"QueueUrl", src}, {"MessageBody", "m"}});
  DeadLetterAll(src);
  WaitForCount("http://h:1/000000000000/dlq", "ApproximateNumberOfMessages", "5");
  const std::string dlq_arn = "arn:aws:sqs:us-east-1:000000000000:dlq";
  auto started =
      QueryOk("StartMessageMoveTask", {{"SourceArn", dlq_arn},
                                       {"DestinationArn", "arn:aws:sqs:us-east-1:000000000000:src"},
                                       {"MaxNumberOfMessagesPerSecond", "1"}});
  ExpectError(Query("StartMessageMoveTask", {{"SourceArn", dlq_arn}}), 400,
              "InvalidParameterValue");  // one active task per source
  auto cancelled = QueryOk("CancelMessageMoveTask", {{"TaskHandle", started["TaskHandle"].text}});
  EXPECT_LT(std::stoi(cancelled["ApproximateNumberOfMessagesMoved"].text), 5);
  api_->move_tasks().WaitIdle();
  auto list = QueryOk("ListMessageMoveTasks", {{"SourceArn", dlq_arn}});
  EXPECT_EQ(list["ListMessageMoveTasksResultEntry"]["Status"].text, "CANCELLED");
  EXPECT_EQ(list["ListMessageMoveTasksResultEntry"]["DestinationArn"].text,
            "arn:aws:sqs:us-east-1:000000000000:src");
  EXPECT_EQ(list["ListMessageMoveTasksResultEntry"]["MaxNumberOfMessagesPerSecond"].text, "1");
  ExpectError(Query("CancelMessageMoveTask", {{"TaskHandle", started["TaskHandle"].text}}), 400,
              "AWS.SimpleQueueService.UnsupportedOperation");
}

TEST_F(SqsApiQueryTest, MoveTaskErrors) {
  CreateQueue();
  ExpectError(
      Query("StartMessageMoveTask", {{"SourceArn", "arn:aws:sqs:us-east-1:000000000000:nope"}}),
      404, "ResourceNotFoundException");
  ExpectError(
      Query("StartMessageMoveTask", {{"SourceArn", "arn:aws:sqs:us-east-1:000000000000:q"}}), 400,
      "InvalidParameterValue");  // not a dead-letter queue
  ExpectError(Query("CancelMessageMoveTask", {{"TaskHandle", "bm9wZQ=="}}), 404,
              "ResourceNotFoundException");
}

// ---- Routing ---------------------------------------------------------------------------------

TEST_F(SqsApiQueryTest, PostToTheQueueUrlNamesTheQueue) {
  CreateQueue();
  QueryOk("SendMessage", {{"MessageBody", "x"}}, "/000000000000/q");
  EXPECT_EQ(Count(url_, "ApproximateNumberOfMessages"), "1");
}

TEST_F(SqsApiQueryTest, GetWithAQueryStringWorks) {
  CreateQueue();
  net::HttpRequest request;
  request.method = "GET";
  request.target = "/?Action=GetQueueUrl&Version=2012-11-05&QueueName=q";
  auto r = Send(std::move(request));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(XmlReader::Parse(r.body)["GetQueueUrlResult"]["QueueUrl"].text, url_);
}

// ---- Errors ----------------------------------------------------------------------------------

TEST_F(SqsApiQueryTest, ErrorsAreErrorResponsesWithTheLegacyCode) {
  ExpectError(Query("GetQueueUrl", {{"QueueName", "nope"}}), 400,
              "AWS.SimpleQueueService.NonExistentQueue");
  ExpectError(Query("CreateQueue", {{"QueueName", "q"},
                                    {"Attribute.1.Name", "DelaySeconds"},
                                    {"Attribute.1.Value", "901"}}),
              400, "InvalidAttributeValue");
  CreateQueue();
  ExpectError(Query("DeleteMessage", {{"QueueUrl", url_}, {"ReceiptHandle", "xyz"}}), 404,
              "ReceiptHandleIsInvalid");
  ExpectError(Query("SendMessageBatch", {{"QueueUrl", url_}}), 400, "MissingParameter");
  ExpectError(Query("SendMessageBatch", {{"QueueUrl", url_},
                                         {"SendMessageBatchRequestEntry.1.Id", "a"},
                                         {"SendMessageBatchRequestEntry.1.MessageBody", "x"},
                                         {"SendMessageBatchRequestEntry.2.Id", "a"},
                                         {"SendMessageBatchRequestEntry.2.MessageBody", "y"}}),
              400, "AWS.SimpleQueueService.BatchEntryIdsNotDistinct");
}

TEST_F(SqsApiQueryTest, MissingRequiredParameterIsMissingParameter) {
  CreateQueue();
  ExpectError(Query("SendMessage", {{"QueueUrl", url_}}), 400, "MissingParameter");
  ExpectError(Query("SetQueueAttributes", {{"QueueUrl", url_}}), 400, "MissingParameter");
  ExpectError(Query("TagQueue", {{"QueueUrl", url_}}), 400, "MissingParameter");
  ExpectError(Query("DeleteQueue", {}), 400, "MissingParameter");
}

TEST_F(SqsApiQueryTest, MissingActionIsMissingParameter) {
  net::HttpRequest request;
  request.method = "POST";
  request.target = "/";
  request.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
  request.body = "Version=2012-11-05";
  ExpectError(Send(std::move(request)), 400, "MissingParameter");
}

TEST_F(SqsApiQueryTest, PolicyThatIsNotJsonIsInvalidAttributeValue) {
  CreateQueue();
  ExpectError(Query("SetQueueAttributes", {{"QueueUrl", url_},
                                           {"Attribute.1.Name", "Policy"},
                                           {"Attribute.1.Value", "{not json"}}),
              400, "InvalidAttributeValue");
}

TEST_F(SqsApiQueryTest, UnknownActionIsInvalidAction) {
  ExpectError(Query("Frobnicate", {}), 400, "InvalidAction");
}

TEST_F(SqsApiQueryTest, MalformedIntegerIsInvalidParameterValue) {
  CreateQueue();
  ExpectError(Query("ReceiveMessage", {{"QueueUrl", url_}, {"MaxNumberOfMessages", "ten"}}), 400,
              "InvalidParameterValue");
  ExpectError(Query("ReceiveMessage", {{"QueueUrl", url_}, {"MaxNumberOfMessages", "11"}}), 400,
              "InvalidParameterValue");
}

// ---- Authentication and authorization seam ---------------------------------------------------

class RejectingAuthenticator : public RequestAuthenticator {
 public:
  Result<AuthenticatedCaller> Authenticate(const net::HttpRequest&,
                                           std::chrono::system_clock::time_point) const override {
    return SqsError(SqsErrorCode::kSignatureDoesNotMatch, "The signature does not match.");
  }
};

class KeyAuthenticator : public RequestAuthenticator {
 public:
  Result<AuthenticatedCaller> Authenticate(const net::HttpRequest&,
                                           std::chrono::system_clock::time_point) const override {
    return AuthenticatedCaller{"AKIDTEST", "111111111111", "arn:aws:iam::111111111111:user/t"};
  }
};

// Records what it was asked and denies SendMessage.
class RecordingAuthorizer : public AccessAuthorizer {
 public:
  Status Authorize(const AuthenticatedCaller& caller, std::string_view action,
                   std::string_view queue_arn, std::string_view policy,
                   const RequestContext&) const override {
    std::lock_guard lock(mu);
    asked.push_back(caller.access_key_id + " " + std::string(action) + " " +
                    std::string(queue_arn) + " " + std::to_string(policy.size()));
    if (action == "SendMessage") return SqsError(SqsErrorCode::kAccessDenied, "Access denied.");
    return Status::Ok();
  }
  mutable std::mutex mu;
  mutable std::vector<std::string> asked;
};

TEST_F(SqsApiQueryTest, FailedAuthenticationIsRenderedInTheRequestsProtocol) {
  RejectingAuthenticator authenticator;
  SqsApiOptions options;
  options.authenticator = &authenticator;
  Open(options);
  ExpectError(Query("ListQueues", {}), 403, "SignatureDoesNotMatch");

  net::HttpRequest request;
  request.method = "POST";
  request.target = "/";
  request.headers = {{"X-Amz-Target", "AmazonSQS.ListQueues"},
                     {"Content-Type", "application/x-amz-json-1.0"}};
  request.body = "{}";
  auto r = Send(std::move(request));
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.Header("x-amzn-query-error"), "SignatureDoesNotMatch;Sender");
  EXPECT_EQ(json::parse(r.body).at("__type").as_string(),
            "com.amazonaws.sqs#SignatureDoesNotMatch");
}

TEST_F(SqsApiQueryTest, QueuesBelongToTheAccountOfTheirCreator) {
  KeyAuthenticator authenticator;  // account 111111111111
  SqsApiOptions options;
  options.authenticator = &authenticator;
  Open(options);
  EXPECT_EQ(CreateQueue(), "http://h:1/111111111111/q");
  const std::string url = "http://h:1/111111111111/q";
  EXPECT_EQ(Count(url, "QueueArn"), "arn:aws:sqs:us-east-1:111111111111:q");
  EXPECT_EQ(QueryOk("ListQueues", {})["QueueUrl"].text, url);
  EXPECT_EQ(QueryOk("GetQueueUrl", {{"QueueName", "q"}})["QueueUrl"].text, url);
  ExpectError(
      Query("GetQueueUrl", {{"QueueName", "q"}, {"QueueOwnerAWSAccountId", "000000000000"}}), 400,
      "AWS.SimpleQueueService.NonExistentQueue");

  Open({});  // the anonymous caller of the server's account does not see it, nor get its name
  EXPECT_FALSE(QueryOk("ListQueues", {}).Has("QueueUrl"));
  ExpectError(Query("GetQueueUrl", {{"QueueName", "q"}}), 400,
              "AWS.SimpleQueueService.NonExistentQueue");
  EXPECT_EQ(QueryOk("GetQueueUrl",
                    {{"QueueName", "q"}, {"QueueOwnerAWSAccountId", "111111111111"}})["QueueUrl"]
                .text,
            url);
  ExpectError(Query("CreateQueue", {{"QueueName", "q"}}), 400, "QueueAlreadyExists");
  // A URL naming the wrong account does not name the queue.
  ExpectError(Query("SendMessage", {{"QueueUrl", url_}, {"MessageBody", "x"}}), 400,
              "AWS.SimpleQueueService.NonExistentQueue");
}

TEST_F(SqsApiQueryTest, AuthorizerSeesActionQueueArnAndPolicy) {
  KeyAuthenticator authenticator;
  RecordingAuthorizer authorizer;
  SqsApiOptions options;
  options.authenticator = &authenticator;
  options.authorizer = &authorizer;
  Open(options);
  const std::string url = CreateQueue();  // the caller's account owns it
  QueryOk("AddPermission", {{"QueueUrl", url},
                            {"Label", "l"},
                            {"AWSAccountId.1", "111111111111"},
                            {"ActionName.1", "ReceiveMessage"}});
  ExpectError(Query("SendMessage", {{"QueueUrl", url}, {"MessageBody", "x"}}), 403, "AccessDenied");
  std::lock_guard lock(authorizer.mu);
  ASSERT_EQ(authorizer.asked.size(), 3u);
  EXPECT_EQ(authorizer.asked[0], "AKIDTEST CreateQueue  0");
  EXPECT_EQ(authorizer.asked[1], "AKIDTEST AddPermission arn:aws:sqs:us-east-1:111111111111:q 0");
  EXPECT_TRUE(authorizer.asked[2].starts_with(
      "AKIDTEST SendMessage arn:aws:sqs:us-east-1:111111111111:q "));
  EXPECT_NE(authorizer.asked[2], "AKIDTEST SendMessage arn:aws:sqs:us-east-1:111111111111:q 0");
}

// ---- FIFO queues ---------------------------------------------------------------------------

TEST_F(SqsApiQueryTest, FifoSendAndReceiveCarrySequenceNumberAndGroup) {
  const std::string url =
      CreateQueue("q.fifo", {{"Attribute.1.Name", "FifoQueue"}, {"Attribute.1.Value", "true"}});
  auto sent = QueryOk("SendMessage", {{"QueueUrl", url},
                                      {"MessageBody", "hello"},
                                      {"MessageGroupId", "g1"},
                                      {"MessageDeduplicationId", "d1"}});
  ASSERT_EQ(sent["SequenceNumber"].text.size(), 20u);
  auto dup = QueryOk("SendMessage", {{"QueueUrl", url},
                                     {"MessageBody", "other"},
                                     {"MessageGroupId", "g1"},
                                     {"MessageDeduplicationId", "d1"}});
  EXPECT_EQ(dup["MessageId"].text, sent["MessageId"].text);
  auto received = QueryOk("ReceiveMessage", {{"QueueUrl", url},
                                             {"MaxNumberOfMessages", "10"},
                                             {"AttributeName.1", "All"},
                                             {"ReceiveRequestAttemptId", "a1"}});
  ASSERT_EQ(received.All("Message").size(), 1u);
  std::map<std::string, std::string> attrs;
  for (const XmlNode* a : received["Message"].All("Attribute")) {
    attrs[(*a)["Name"].text] = (*a)["Value"].text;
  }
  EXPECT_EQ(attrs["MessageGroupId"], "g1");
  EXPECT_EQ(attrs["MessageDeduplicationId"], "d1");
  EXPECT_EQ(attrs["SequenceNumber"], sent["SequenceNumber"].text);
  auto fifo = QueryOk("GetQueueAttributes", {{"QueueUrl", url}, {"AttributeName.1", "All"}});
  bool is_fifo = false;
  for (const XmlNode* a : fifo.All("Attribute")) {
    if ((*a)["Name"].text == "FifoQueue") is_fifo = (*a)["Value"].text == "true";
  }
  EXPECT_TRUE(is_fifo);
}

TEST_F(SqsApiQueryTest, FifoBatchEntryWithoutGroupFailsAlone) {
  const std::string url =
      CreateQueue("q.fifo", {{"Attribute.1.Name", "FifoQueue"}, {"Attribute.1.Value", "true"}});
  auto r =
      QueryOk("SendMessageBatch", {{"QueueUrl", url},
                                   {"SendMessageBatchRequestEntry.1.Id", "ok"},
                                   {"SendMessageBatchRequestEntry.1.MessageBody", "x"},
                                   {"SendMessageBatchRequestEntry.1.MessageGroupId", "g"},
                                   {"SendMessageBatchRequestEntry.1.MessageDeduplicationId", "d"},
                                   {"SendMessageBatchRequestEntry.2.Id", "bad"},
                                   {"SendMessageBatchRequestEntry.2.MessageBody", "y"},
                                   {"SendMessageBatchRequestEntry.2.MessageDeduplicationId", "e"}});
  EXPECT_EQ(r.All("SendMessageBatchResultEntry").size(), 1u);
  ASSERT_EQ(r.All("BatchResultErrorEntry").size(), 1u);
  EXPECT_EQ(r["BatchResultErrorEntry"]["Code"].text, "MissingParameter");
}

TEST_F(SqsApiQueryTest, FifoDeadLetterMoveTaskReturnsMessageToItsGroupWithinDedupWindow) {
  CreateQueue("dlq.fifo", {{"Attribute.1.Name", "FifoQueue"}, {"Attribute.1.Value", "true"}});
  const std::string src = CreateQueue(
      "src.fifo", {{"Attribute.1.Name", "FifoQueue"},
                   {"Attribute.1.Value", "true"},
                   {"Attribute.2.Name", "RedrivePolicy"},
                   {"Attribute.2.Value",
                    R"({"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:dlq.fifo",)"
                    R"("maxReceiveCount":"1"})"}});
  QueryOk("SendMessage", {{"QueueUrl", src},
                          {"MessageBody", "poison"},
                          {"MessageGroupId", "g"},
                          {"MessageDeduplicationId", "p"}});
  DeadLetterAll(src);
  const std::string dlq = "http://h:1/000000000000/dlq.fifo";
  WaitForCount(dlq, "ApproximateNumberOfMessages", "1");
  QueryOk("StartMessageMoveTask", {{"SourceArn", "arn:aws:sqs:us-east-1:000000000000:dlq.fifo"}});
  api_->move_tasks().WaitIdle();
  auto r = QueryOk("ReceiveMessage",
                   {{"QueueUrl", src}, {"MaxNumberOfMessages", "10"}, {"AttributeName.1", "All"}});
  ASSERT_EQ(r.All("Message").size(), 1u);
  EXPECT_EQ(r["Message"]["Body"].text, "poison");
}

TEST_F(SqsApiQueryTest, SetQueueAttributesWithAnUnevaluablePolicyIsInvalidAttributeValue) {
  const std::string url = CreateQueue();
  auto r = Query("SetQueueAttributes",
                 {{"QueueUrl", url},
                  {"Attribute.1.Name", "Policy"},
                  {"Attribute.1.Value", R"({"Statement":[{"Effect":"Allow","NotAction":"*"}]})"}});
  ExpectError(r, 400, "InvalidAttributeValue");
  EXPECT_NE(r.body.find("NotAction"), std::string::npos) << r.body;
}

TEST_F(SqsApiQueryTest, FifoNameWithoutFifoQueueAttributeIsInvalidParameterValue) {
  ExpectError(Query("CreateQueue", {{"QueueName", "q.fifo"}}), 400, "InvalidParameterValue");
}

}  // namespace
}  // namespace roadsense::queue
