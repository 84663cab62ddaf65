#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <future>

#include "queue/sqs_api.h"
#include "tests/support/child_process.h"

namespace roadsense::queue {
namespace {

namespace json = boost::json;

class SqsApiJsonTest : public ::testing::Test {
 protected:
  void SetUp() override {
    QueueEngineOptions engine_options{dir_.path()};
    engine_options.segment_target_bytes = 1 << 20;  // a small zero-filled first segment: fast start
    auto engine = QueueEngine::Open(std::move(engine_options));
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    engine_ = std::move(*engine);
    api_ = std::make_unique<SqsApi>(engine_.get(), SqsApiOptions{"http://h:1"});
  }

  net::HttpResponse Call(const std::string& action, const std::string& body) {
    net::HttpRequest request;
    request.method = "POST";
    request.target = "/";
    request.headers = {{"X-Amz-Target", "AmazonSQS." + action},
                       {"Content-Type", "application/x-amz-json-1.0"}};
    request.body = body;
    std::promise<net::HttpResponse> p;
    api_->Handle(std::move(request), [&](net::HttpResponse r) { p.set_value(std::move(r)); });
    return p.get_future().get();
  }

  net::HttpResponse Metrics() {
    net::HttpRequest request;
    request.method = "GET";
    request.target = "/metrics";
    std::promise<net::HttpResponse> p;
    api_->Handle(std::move(request), [&](net::HttpResponse r) { p.set_value(std::move(r)); });
    return p.get_future().get();
  }

  json::object CallOk(const std::string& action, const std::string& body) {
    auto r = Call(action, body);
    EXPECT_EQ(r.status, 200) << r.body;
    return json::parse(r.body).as_object();
  }

  // Asserts the error response shape of sqs-api.md.
  void ExpectError(const net::HttpResponse& r, int status, const std::string& shape,
                   const std::string& legacy_code) {
    EXPECT_EQ(r.status, status) << r.body;
    EXPECT_EQ(r.Header("x-amzn-query-error"), legacy_code + ";Sender");
    EXPECT_FALSE(r.Header("x-amzn-RequestId").empty());
    auto body = json::parse(r.body).as_object();
    EXPECT_EQ(body.at("__type").as_string(), "com.amazonaws.sqs#" + shape);
    EXPECT_TRUE(body.contains("message"));
  }

  std::string CreateQueue() {
    return std::string(CallOk("CreateQueue", R"({"QueueName":"q"})").at("QueueUrl").as_string());
  }

  std::string SendBatch(const std::string& entries) {
    return R"({"QueueUrl":"http://h:1/000000000000/q","Entries":)" + entries + "}";
  }

  roadsense::testing::TempDir dir_;
  std::unique_ptr<QueueEngine> engine_;
  std::unique_ptr<SqsApi> api_;
};

TEST_F(SqsApiJsonTest, HealthzAnswers200) {
  net::HttpRequest request;
  request.method = "GET";
  request.target = "/healthz";
  std::promise<net::HttpResponse> p;
  api_->Handle(std::move(request), [&](net::HttpResponse r) { p.set_value(std::move(r)); });
  EXPECT_EQ(p.get_future().get().status, 200);
}

TEST_F(SqsApiJsonTest, MetricsCountWalRecordsAndFsyncs) {
  CreateQueue();  // one durable record
  const net::HttpResponse r = Metrics();
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("\nroadsense_queue_wal_records_total 1\n"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("\nroadsense_queue_wal_fsyncs_total "), std::string::npos) << r.body;
  EXPECT_EQ(r.body.find("roadsense_queue_wal_fsyncs_total 0\n"), std::string::npos) << r.body;
}

TEST_F(SqsApiJsonTest, MetricsShowBodyBytesInMemoryAndReads) {
  const std::string url = CreateQueue();
  CallOk("SendMessage", R"({"QueueUrl":")" + url + R"(","MessageBody":"hello"})");
  const net::HttpResponse r = Metrics();
  EXPECT_EQ(r.status, 200);
  // Under the default budget the body stays in memory: nothing read back.
  EXPECT_NE(r.body.find("\nroadsense_queue_body_memory_bytes 5\n"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("\nroadsense_queue_body_reads_total 0\n"), std::string::npos) << r.body;
}

TEST_F(SqsApiJsonTest, CreateQueueReturnsUrlWithAccountAndName) {
  EXPECT_EQ(CreateQueue(), "http://h:1/000000000000/q");
}

TEST_F(SqsApiJsonTest, UnknownActionIsInvalidAction) {
  ExpectError(Call("Frobnicate", "{}"), 400, "InvalidAction", "InvalidAction");
}

TEST_F(SqsApiJsonTest, MissingQueueIsQueueDoesNotExist) {
  ExpectError(Call("GetQueueUrl", R"({"QueueName":"nope"})"), 400, "QueueDoesNotExist",
              "AWS.SimpleQueueService.NonExistentQueue");
}

TEST_F(SqsApiJsonTest, MalformedReceiptHandleIsInvalid) {
  const std::string url = CreateQueue();
  ExpectError(Call("DeleteMessage", R"({"QueueUrl":")" + url + R"(","ReceiptHandle":"xyz"})"), 404,
              "ReceiptHandleIsInvalid", "ReceiptHandleIsInvalid");
}

TEST_F(SqsApiJsonTest, BadQueueAttributeValueIsInvalidAttributeValue) {
  ExpectError(Call("CreateQueue", R"({"QueueName":"q","Attributes":{"DelaySeconds":"901"}})"), 400,
              "InvalidAttributeValue", "InvalidAttributeValue");
}

// The hot actions write their answers as text (core/json_writer): the same compact JSON, members
// in the same order, as the document trees they replaced serialized to.
TEST_F(SqsApiJsonTest, HotActionAnswersKeepTheirExactText) {
  const std::string url = CreateQueue();
  const auto q = [](std::string_view v) { return json::serialize(json::string(v)); };
  auto sent = Call("SendMessageBatch", SendBatch(R"([{"Id":"a","MessageBody":"x\ty",
      "MessageAttributes":{"k":{"DataType":"Binary","BinaryValue":"AAE="},
                           "j":{"DataType":"String","StringValue":"v"}}},
      {"Id":"b","MessageBody":"z","DelaySeconds":901}])"));
  ASSERT_EQ(sent.status, 200);
  const json::object s = json::parse(sent.body).as_object();
  const json::object& ok = s.at("Successful").as_array().at(0).as_object();
  const json::object& bad = s.at("Failed").as_array().at(0).as_object();
  EXPECT_EQ(sent.body, R"({"Successful":[{"MessageId":)" + q(ok.at("MessageId").as_string()) +
                           R"(,"MD5OfMessageBody":)" + q(ok.at("MD5OfMessageBody").as_string()) +
                           R"(,"MD5OfMessageAttributes":)" +
                           q(ok.at("MD5OfMessageAttributes").as_string()) +
                           R"(,"Id":"a"}],"Failed":[{"Id":"b","SenderFault":true,)" +
                           R"("Code":"InvalidParameterValue","Message":)" +
                           q(bad.at("Message").as_string()) + "}]}");

  auto received = Call("ReceiveMessage", R"({"QueueUrl":")" + url + R"(",
      "AttributeNames":["All"],"MessageAttributeNames":["k"]})");
  ASSERT_EQ(received.status, 200);
  const json::object r = json::parse(received.body).as_object();
  const json::object& m = r.at("Messages").as_array().at(0).as_object();
  const json::object& a = m.at("Attributes").as_object();
  EXPECT_EQ(received.body,
            R"({"Messages":[{"MessageId":)" + q(m.at("MessageId").as_string()) +
                R"(,"ReceiptHandle":)" + q(m.at("ReceiptHandle").as_string()) + R"(,"MD5OfBody":)" +
                q(ok.at("MD5OfMessageBody").as_string()) +
                R"(,"Body":"x\ty","Attributes":{"SenderId":)" + q(a.at("SenderId").as_string()) +
                R"(,"SentTimestamp":)" + q(a.at("SentTimestamp").as_string()) +
                R"(,"ApproximateReceiveCount":"1","ApproximateFirstReceiveTimestamp":)" +
                q(a.at("ApproximateFirstReceiveTimestamp").as_string()) +
                R"(},"MD5OfMessageAttributes":)" + q(m.at("MD5OfMessageAttributes").as_string()) +
                R"(,"MessageAttributes":{"k":{"DataType":"Binary","BinaryValue":"AAE="}}}]})");
  EXPECT_NE(m.at("MD5OfMessageAttributes"), ok.at("MD5OfMessageAttributes"));  // k only

  auto deleted = Call("DeleteMessageBatch", R"({"QueueUrl":")" + url + R"(","Entries":[
      {"Id":"d1","ReceiptHandle":)" + q(m.at("ReceiptHandle").as_string()) +
                                                R"(},
      {"Id":"d2","ReceiptHandle":"nonsense"}]})");
  ASSERT_EQ(deleted.status, 200);
  const json::object d = json::parse(deleted.body).as_object();
  EXPECT_EQ(deleted.body,
            R"({"Successful":[{"Id":"d1"}],"Failed":[{"Id":"d2","SenderFault":true,"Code":)" +
                q(d.at("Failed").as_array().at(0).at("Code").as_string()) + R"(,"Message":)" +
                q(d.at("Failed").as_array().at(0).at("Message").as_string()) + "}]}");

  auto empty = Call("ReceiveMessage", R"({"QueueUrl":")" + url + R"("})");
  EXPECT_EQ(empty.body, R"({"Messages":[]})");
}

TEST_F(SqsApiJsonTest, SendReceiveDeleteRoundTrip) {
  const std::string url = CreateQueue();
  auto sent = CallOk("SendMessage", R"({"QueueUrl":")" + url + R"(","MessageBody":"hi",
      "MessageAttributes":{"test_attribute_name_1":{"DataType":"String","StringValue":"test_attribute_value_1"},
                           "test_attribute_name_2":{"DataType":"String","StringValue":"test_attribute_value_2"}}})");
  EXPECT_EQ(sent.at("MD5OfMessageAttributes").as_string(), "d53f3b558fe951154770f25cb63dbba9");
  EXPECT_EQ(sent.at("MessageId").as_string().size(), 36u);

  auto received = CallOk("ReceiveMessage", R"({"QueueUrl":")" + url + R"(",
      "MessageSystemAttributeNames":["ApproximateReceiveCount","SentTimestamp"],
      "MessageAttributeNames":["All"]})");
  const auto& messages = received.at("Messages").as_array();
  ASSERT_EQ(messages.size(), 1u);
  const auto& m = messages[0].as_object();
  EXPECT_EQ(m.at("Body").as_string(), "hi");
  EXPECT_EQ(m.at("MessageId"), sent.at("MessageId"));
  EXPECT_EQ(m.at("Attributes").as_object().at("ApproximateReceiveCount").as_string(), "1");
  EXPECT_FALSE(m.at("Attributes").as_object().contains("SenderId"));
  EXPECT_EQ(m.at("MD5OfMessageAttributes").as_string(), "d53f3b558fe951154770f25cb63dbba9");

  const std::string handle(m.at("ReceiptHandle").as_string());
  CallOk("DeleteMessage", R"({"QueueUrl":")" + url + R"(","ReceiptHandle":")" + handle + R"("})");
  auto attributes =
      CallOk("GetQueueAttributes", R"({"QueueUrl":")" + url + R"(","AttributeNames":["All"]})");
  const auto& a = attributes.at("Attributes").as_object();
  EXPECT_EQ(a.at("ApproximateNumberOfMessages").as_string(), "0");
  EXPECT_EQ(a.at("ApproximateNumberOfMessagesNotVisible").as_string(), "0");
  EXPECT_EQ(a.at("QueueArn").as_string(), "arn:aws:sqs:us-east-1:000000000000:q");
}

TEST_F(SqsApiJsonTest, InvalidBodyCharacterIsInvalidMessageContents) {
  const std::string url = CreateQueue();
  ExpectError(Call("SendMessage", R"({"QueueUrl":")" + url + R"(","MessageBody":"a\u0001"})"), 400,
              "InvalidMessageContents", "InvalidMessageContents");
}

TEST_F(SqsApiJsonTest, EmptyBatchIsEmptyBatchRequest) {
  CreateQueue();
  ExpectError(Call("SendMessageBatch", SendBatch("[]")), 400, "EmptyBatchRequest",
              "AWS.SimpleQueueService.EmptyBatchRequest");
}

TEST_F(SqsApiJsonTest, ElevenEntriesAreTooManyEntriesInBatchRequest) {
  CreateQueue();
  std::string entries = "[";
  for (int i = 0; i < 11; ++i) {
    entries +=
        (i ? "," : "") + std::string(R"({"Id":"e)") + std::to_string(i) + R"(","MessageBody":"x"})";
  }
  ExpectError(Call("SendMessageBatch", SendBatch(entries + "]")), 400,
              "TooManyEntriesInBatchRequest",
              "AWS.SimpleQueueService.TooManyEntriesInBatchRequest");
}

TEST_F(SqsApiJsonTest, RepeatedEntryIdIsBatchEntryIdsNotDistinct) {
  CreateQueue();
  ExpectError(Call("SendMessageBatch",
                   SendBatch(R"([{"Id":"a","MessageBody":"x"},{"Id":"a","MessageBody":"y"}])")),
              400, "BatchEntryIdsNotDistinct", "AWS.SimpleQueueService.BatchEntryIdsNotDistinct");
}

TEST_F(SqsApiJsonTest, BadEntryIdIsInvalidBatchEntryId) {
  CreateQueue();
  ExpectError(Call("SendMessageBatch", SendBatch(R"([{"Id":"a b","MessageBody":"x"}])")), 400,
              "InvalidBatchEntryId", "AWS.SimpleQueueService.InvalidBatchEntryId");
}

TEST_F(SqsApiJsonTest, OversizedBatchIsBatchRequestTooLong) {
  CreateQueue();
  const std::string big(600 * 1024, 'x');
  ExpectError(
      Call("SendMessageBatch", SendBatch(R"([{"Id":"a","MessageBody":")" + big +
                                         R"("},{"Id":"b","MessageBody":")" + big + R"("}])")),
      400, "BatchRequestTooLong", "AWS.SimpleQueueService.BatchRequestTooLong");
}

TEST_F(SqsApiJsonTest, BatchReportsBadEntryAsFailedAndSendsTheRest) {
  CreateQueue();
  auto out =
      CallOk("SendMessageBatch",
             SendBatch(R"([{"Id":"good","MessageBody":"x"},{"Id":"bad","MessageBody":""}])"));
  ASSERT_EQ(out.at("Successful").as_array().size(), 1u);
  ASSERT_EQ(out.at("Failed").as_array().size(), 1u);
  EXPECT_EQ(out.at("Failed").as_array()[0].as_object().at("Id").as_string(), "bad");
}

TEST_F(SqsApiJsonTest, ListDeadLetterSourceQueuesAnswersLowercaseQueueUrls) {
  CallOk("CreateQueue", R"({"QueueName":"dlq"})");
  CallOk("CreateQueue", R"({"QueueName":"src","Attributes":{"RedrivePolicy":
      "{\"deadLetterTargetArn\":\"arn:aws:sqs:us-east-1:000000000000:dlq\",\"maxReceiveCount\":\"3\"}"}})");
  auto out = CallOk("ListDeadLetterSourceQueues", R"({"QueueUrl":"http://h:1/000000000000/dlq"})");
  ASSERT_TRUE(out.contains("queueUrls")) << json::serialize(out);
  const auto& urls = out.at("queueUrls").as_array();
  ASSERT_EQ(urls.size(), 1u);
  EXPECT_EQ(urls[0].as_string(), "http://h:1/000000000000/src");
}

TEST_F(SqsApiJsonTest, ChangeMessageVisibilityBatchReportsEachEntry) {
  const std::string url = CreateQueue();
  CallOk("SendMessage", R"({"QueueUrl":")" + url + R"(","MessageBody":"hi"})");
  auto received = CallOk("ReceiveMessage", R"({"QueueUrl":")" + url + R"("})");
  const std::string handle(
      received.at("Messages").as_array()[0].as_object().at("ReceiptHandle").as_string());
  auto out = CallOk("ChangeMessageVisibilityBatch", R"({"QueueUrl":")" + url + R"(","Entries":[
      {"Id":"ok","ReceiptHandle":")" + handle + R"(","VisibilityTimeout":0},
      {"Id":"bad","ReceiptHandle":"garbage","VisibilityTimeout":0}]})");
  ASSERT_EQ(out.at("Successful").as_array().size(), 1u);
  EXPECT_EQ(out.at("Successful").as_array()[0].as_object().at("Id").as_string(), "ok");
  ASSERT_EQ(out.at("Failed").as_array().size(), 1u);
  EXPECT_EQ(out.at("Failed").as_array()[0].as_object().at("Code").as_string(),
            "ReceiptHandleIsInvalid");
  // Visible again at once.
  auto again = CallOk("ReceiveMessage", R"({"QueueUrl":")" + url + R"("})");
  EXPECT_EQ(again.at("Messages").as_array().size(), 1u);
}

TEST_F(SqsApiJsonTest, CreateQueueTakesLowercaseTagsAndListQueueTagsAnswersTags) {
  CallOk("CreateQueue", R"({"QueueName":"q","tags":{"team":"maps"}})");
  CallOk("TagQueue", R"({"QueueUrl":"http://h:1/000000000000/q","Tags":{"env":"prod"}})");
  CallOk("UntagQueue", R"({"QueueUrl":"http://h:1/000000000000/q","TagKeys":["team"]})");
  auto out = CallOk("ListQueueTags", R"({"QueueUrl":"http://h:1/000000000000/q"})");
  EXPECT_EQ(json::serialize(out), R"({"Tags":{"env":"prod"}})");
}

TEST_F(SqsApiJsonTest, TooManyTagsIsInvalidParameterValue) {
  CreateQueue();
  std::string tags;
  for (int i = 0; i < 51; ++i) tags += (i ? ",\"" : "\"") + std::to_string(i) + "\":\"v\"";
  ExpectError(Call("TagQueue", R"({"QueueUrl":"http://h:1/000000000000/q","Tags":{)" + tags + "}}"),
              400, "InvalidParameterValue", "InvalidParameterValue");
}

TEST_F(SqsApiJsonTest, ListQueuesPagesWithNextToken) {
  for (const char* name : {"a", "b", "c"}) {
    CallOk("CreateQueue", std::string(R"({"QueueName":")") + name + R"("})");
  }
  auto first = CallOk("ListQueues", R"({"MaxResults":2})");
  ASSERT_EQ(first.at("QueueUrls").as_array().size(), 2u);
  auto rest = CallOk("ListQueues", R"({"MaxResults":2,"NextToken":")" +
                                       std::string(first.at("NextToken").as_string()) + R"("})");
  EXPECT_EQ(json::serialize(rest.at("QueueUrls")), R"(["http://h:1/000000000000/c"])");
  EXPECT_FALSE(rest.contains("NextToken"));
  ExpectError(Call("ListQueues", R"({"NextToken":"!!"})"), 400, "InvalidParameterValue",
              "InvalidParameterValue");
}

TEST_F(SqsApiJsonTest, MessageMoveTaskShapes) {
  CallOk("CreateQueue", R"({"QueueName":"dlq"})");
  CallOk("CreateQueue", R"({"QueueName":"src","Attributes":{"RedrivePolicy":
      "{\"deadLetterTargetArn\":\"arn:aws:sqs:us-east-1:000000000000:dlq\",\"maxReceiveCount\":\"3\"}"}})");
  auto started =
      CallOk("StartMessageMoveTask", R"({"SourceArn":"arn:aws:sqs:us-east-1:000000000000:dlq",)"
                                     R"("MaxNumberOfMessagesPerSecond":10})");
  EXPECT_TRUE(started.at("TaskHandle").is_string());
  api_->move_tasks().WaitIdle();
  auto list = CallOk("ListMessageMoveTasks",
                     R"({"SourceArn":"arn:aws:sqs:us-east-1:000000000000:dlq","MaxResults":10})");
  const auto& task = list.at("Results").as_array().at(0).as_object();
  EXPECT_EQ(task.at("Status").as_string(), "COMPLETED");
  EXPECT_EQ(task.at("ApproximateNumberOfMessagesMoved").as_int64(), 0);
  EXPECT_EQ(task.at("MaxNumberOfMessagesPerSecond").as_int64(), 10);
  ExpectError(Call("StartMessageMoveTask",
                   R"({"SourceArn":"arn:aws:sqs:us-east-1:000000000000:dlq",)"
                   R"("DestinationArn":"arn:aws:sqs:us-east-1:000000000000:gone"})"),
              404, "ResourceNotFoundException", "ResourceNotFoundException");
  ExpectError(
      Call("StartMessageMoveTask", R"({"SourceArn":"arn:aws:sqs:us-east-1:000000000000:dlq",)"
                                   R"("MaxNumberOfMessagesPerSecond":501})"),
      400, "InvalidParameterValue", "InvalidParameterValue");
}

// ---- Policy validation and FIFO queues ---------------------------------------------------------

TEST_F(SqsApiJsonTest, PolicyThatDoesNotParseIsInvalidAttributeValueNamingTheProblem) {
  auto r = Call(
      "CreateQueue",
      R"({"QueueName":"q","Attributes":{"Policy":"{\"Statement\":[{\"Effect\":\"Maybe\"}]}"}})");
  ExpectError(r, 400, "InvalidAttributeValue", "InvalidAttributeValue");
  EXPECT_NE(r.body.find("Effect"), std::string::npos) << r.body;
}

class SqsApiJsonFifoTest : public SqsApiJsonTest {
 protected:
  std::string CreateFifo(const std::string& extra = "") {
    return std::string(
        CallOk("CreateQueue",
               R"({"QueueName":"q.fifo","Attributes":{"FifoQueue":"true")" + extra + "}}")
            .at("QueueUrl")
            .as_string());
  }
};

TEST_F(SqsApiJsonFifoTest, SendWithoutMessageGroupIdIsMissingParameter) {
  const std::string url = CreateFifo();
  ExpectError(Call("SendMessage", R"({"QueueUrl":")" + url +
                                      R"(","MessageBody":"x","MessageDeduplicationId":"d"})"),
              400, "MissingParameter", "MissingParameter");
}

TEST_F(SqsApiJsonFifoTest, SendWithoutDeduplicationIdNeedsContentBasedDeduplication) {
  const std::string url = CreateFifo();
  ExpectError(Call("SendMessage",
                   R"({"QueueUrl":")" + url + R"(","MessageBody":"x","MessageGroupId":"g"})"),
              400, "InvalidParameterValue", "InvalidParameterValue");
}

TEST_F(SqsApiJsonFifoTest, PerMessageDelayIsInvalidParameterValue) {
  const std::string url = CreateFifo();
  ExpectError(Call("SendMessage", R"({"QueueUrl":")" + url +
                                      R"(","MessageBody":"x","MessageGroupId":"g",
                                      "MessageDeduplicationId":"d","DelaySeconds":5})"),
              400, "InvalidParameterValue", "InvalidParameterValue");
}

TEST_F(SqsApiJsonFifoTest, ContentBasedDuplicateReturnsSameIdAndSequenceNumber) {
  const std::string url = CreateFifo(R"(,"ContentBasedDeduplication":"true")");
  const std::string send =
      R"({"QueueUrl":")" + url + R"(","MessageBody":"same","MessageGroupId":"g"})";
  auto first = CallOk("SendMessage", send);
  auto second = CallOk("SendMessage", send);
  EXPECT_EQ(first.at("MessageId"), second.at("MessageId"));
  ASSERT_TRUE(first.contains("SequenceNumber"));
  EXPECT_EQ(first.at("SequenceNumber"), second.at("SequenceNumber"));
  EXPECT_EQ(first.at("SequenceNumber").as_string().size(), 20u);
  auto received = CallOk("ReceiveMessage", R"({"QueueUrl":")" + url +
                                               R"(","MaxNumberOfMessages":10,
                                               "MessageSystemAttributeNames":["All"]})");
  const auto& messages = received.at("Messages").as_array();
  ASSERT_EQ(messages.size(), 1u);
  const auto& attrs = messages[0].at("Attributes").as_object();
  EXPECT_EQ(attrs.at("MessageGroupId"), "g");
  // The body's SHA-256.
  EXPECT_EQ(attrs.at("MessageDeduplicationId"),
            "0967115f2813a3541eaef77de9d9d5773f1c0c04314b0bbfe4ff3b3b1c55b5d5");
  EXPECT_EQ(attrs.at("SequenceNumber"), first.at("SequenceNumber"));
}

TEST_F(SqsApiJsonFifoTest, BatchEntriesOfAGroupAreReceivedInOrder) {
  const std::string url = CreateFifo();
  auto sent = CallOk("SendMessageBatch", R"({"QueueUrl":")" + url + R"(","Entries":[
      {"Id":"a","MessageBody":"1","MessageGroupId":"g","MessageDeduplicationId":"1"},
      {"Id":"b","MessageBody":"2","MessageGroupId":"g","MessageDeduplicationId":"2"},
      {"Id":"c","MessageBody":"3","MessageGroupId":"g","MessageDeduplicationId":"3"}]})");
  ASSERT_EQ(sent.at("Successful").as_array().size(), 3u);
  auto received = CallOk("ReceiveMessage", R"({"QueueUrl":")" + url +
                                               R"(","MaxNumberOfMessages":10,
                                               "ReceiveRequestAttemptId":"try-1"})");
  std::string bodies;
  for (const auto& m : received.at("Messages").as_array()) {
    bodies += m.at("Body").as_string().c_str();
  }
  EXPECT_EQ(bodies, "123");
}

}  // namespace
}  // namespace roadsense::queue
