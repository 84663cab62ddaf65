#include "queue/sqs_batch_input.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <future>

#include "queue/sqs_api.h"
#include "tests/support/child_process.h"

namespace roadsense::queue {
namespace {

namespace json = boost::json;

TEST(SqsBatchInputTest, ReadsTheMembersOfASendBatch) {
  auto input = ReadSqsBatchInput(
      "SendMessageBatch",
      R"({"QueueUrl":"u","Entries":[{"Id":"a","MessageBody":"x\ny","DelaySeconds":5},)"
      R"({"MessageGroupId":"g","Id":"b","MessageBody":"z","MessageDeduplicationId":"d"}]})");
  ASSERT_TRUE(input.has_value());
  EXPECT_EQ(input->queue_url, "u");
  ASSERT_EQ(input->entries.size(), 2u);
  EXPECT_EQ(input->entries[0].id, "a");
  EXPECT_EQ(input->entries[0].body, "x\ny");
  EXPECT_EQ(input->entries[0].delay_seconds, 5);
  EXPECT_EQ(input->entries[1].body, "z");
  EXPECT_FALSE(input->entries[1].delay_seconds.has_value());
  EXPECT_EQ(input->entries[1].group_id, "g");
  EXPECT_EQ(input->entries[1].deduplication_id, "d");
}

TEST(SqsBatchInputTest, ReadsLongEscapedStringsWhole) {
  std::string body;
  for (int i = 0; i < 3000; ++i) body += "ab\\u00e9\\\"";
  auto input = ReadSqsBatchInput(
      "SendMessageBatch",
      R"({"QueueUrl":"u","Entries":[{"Id":"a","Message\u0042ody":")" + body + R"("}]})");
  ASSERT_TRUE(input.has_value());
  EXPECT_EQ(input->entries[0].body,
            json::value_to<std::string>(json::parse(R"(")" + body + R"(")")));
}

TEST(SqsBatchInputTest, DeclinesOtherActions) {
  EXPECT_FALSE(ReadSqsBatchInput("ChangeMessageVisibilityBatch",
                                 R"({"QueueUrl":"u","Entries":[{"Id":"a","ReceiptHandle":"h"}]})")
                   .has_value());
}

// One request of the table: the action, its body, and whether it is of the shape read directly.
struct BatchCase {
  const char* action;
  std::string body;
  bool direct;
};

std::string Send(const std::string& entries, const std::string& queue = "q") {
  return R"({"QueueUrl":"http://h:1/000000000000/)" + queue + R"(","Entries":)" + entries + "}";
}

std::string Entries(int n) {
  std::string out = "[";
  for (int i = 0; i < n; ++i) {
    out +=
        std::string(i ? "," : "") + R"({"Id":"e)" + std::to_string(i) + R"(","MessageBody":"m"})";
  }
  return out + "]";
}

std::vector<BatchCase> Cases() {
  const std::string big(300000, 'b');
  return {
      // Read directly: valid, and valid JSON whose values the actions reject.
      {"SendMessageBatch", Send(R"([{"Id":"a","MessageBody":"hello"}])"), true},
      {"SendMessageBatch", Send(Entries(10)), true},
      {"SendMessageBatch", Send(R"([{"MessageBody":"x","Id":"a","DelaySeconds":5}])"), true},
      {"SendMessageBatch", " \n" + Send(R"([ { "Id" : "a" , "MessageBody" : "x" } ])") + " ", true},
      {"SendMessageBatch",
       R"({"Entries":[{"Id":"a","MessageBody":"x"}],"QueueUrl":"http://h:1/000000000000/q"})",
       true},
      {"SendMessageBatch", Send(R"([{"Id":"a","MessageBody":"x","DelaySeconds":901}])"), true},
      {"SendMessageBatch", Send(R"([{"Id":"a","MessageBody":"x","DelaySeconds":-1}])"), true},
      {"SendMessageBatch",
       Send(R"([{"Id":"a","MessageBody":"x","DelaySeconds":-9223372036854775808}])"), true},
      {"SendMessageBatch",
       Send(R"([{"Id":"a","MessageBody":"\u0001"},{"Id":"b","MessageBody":"ok"}])"), true},
      {"SendMessageBatch", Send(R"([{"Id":"a","MessageBody":""}])"), true},
      {"SendMessageBatch", Send(R"([{"Id":"a","MessageBody":"caf\u00e9\t\r\n"}])"), true},
      {"SendMessageBatch", Send(R"([{"Id":"a b","MessageBody":"x"}])"), true},
      {"SendMessageBatch", Send(R"([{"Id":"","MessageBody":"x"}])"), true},
      {"SendMessageBatch", Send(R"([{"Id":"a","MessageBody":"x"},{"Id":"a","MessageBody":"y"}])"),
       true},
      {"SendMessageBatch", Send(R"([{"Id":"a","MessageBody":")" + big + R"("}])"), true},
      {"SendMessageBatch",
       Send(R"([{"Id":"a","MessageBody":")" + big + R"("},{"Id":"b","MessageBody":")" + big +
            R"("},{"Id":"c","MessageBody":")" + big + R"("},{"Id":"d","MessageBody":")" + big +
            R"("}])"),
       true},
      {"SendMessageBatch", Send(R"([{"Id":"a","MessageBody":"x","MessageDeduplicationId":"d"}])"),
       true},
      {"SendMessageBatch", Send(R"([{"Id":"a","MessageBody":"x","MessageGroupId":"g"}])"), true},
      {"SendMessageBatch", Send(R"([{"Id":"a","MessageBody":"x"}])", "nosuch"), true},
      {"SendMessageBatch",
       R"({"QueueUrl":"http://h:1/111111111111/q","Entries":[{"Id":"a","MessageBody":"x"}]})",
       true},
      {"SendMessageBatch", R"({"QueueUrl":"","Entries":[{"Id":"a","MessageBody":"x"}]})", true},
      {"SendMessageBatch",
       Send(R"([{"Id":"a","MessageBody":"x","MessageGroupId":"g",)"
            R"("MessageDeduplicationId":"d1"}])",
            "q.fifo"),
       true},
      {"SendMessageBatch", Send(R"([{"Id":"a","MessageBody":"x"}])", "q.fifo"), true},
      {"SendMessageBatch",
       Send(R"([{"Id":"a","MessageBody":"x","MessageGroupId":"g h","MessageDeduplicationId":"d"}])",
            "q.fifo"),
       true},
      {"SendMessageBatch",
       Send(R"([{"Id":"a","MessageBody":"x","MessageGroupId":"g","DelaySeconds":3}])", "q.fifo"),
       true},
      {"SendMessageBatch", Send(R"([{"Id":"a","MessageBody":"x","MessageGroupId":"g"}])", "q.fifo"),
       true},
      // Declined: the tree path answers.
      {"SendMessageBatch", Send("[]"), false},
      {"SendMessageBatch", Send(Entries(11)), false},
      {"SendMessageBatch", Send("{}"), false},
      {"SendMessageBatch", Send("null"), false},
      {"SendMessageBatch", Send(R"(["a"])"), false},
      {"SendMessageBatch", Send(R"([[]])"), false},
      {"SendMessageBatch", R"({"QueueUrl":"http://h:1/000000000000/q"})", false},
      {"SendMessageBatch", R"({"Entries":[{"Id":"a","MessageBody":"x"}]})", false},
      {"SendMessageBatch", R"({"QueueUrl":5,"Entries":[{"Id":"a","MessageBody":"x"}]})", false},
      {"SendMessageBatch", R"({"QueueUrl":null,"Entries":[{"Id":"a","MessageBody":"x"}]})", false},
      {"SendMessageBatch", Send(R"([{"Id":"a","MessageBody":"x"}],"QueueUrl":"x")"), false},
      {"SendMessageBatch", Send(R"([{"Id":"a","MessageBody":"x"}],"Other":1)"), false},
      {"SendMessageBatch", Send(R"([{"Id":"a"}])"), false},
      {"SendMessageBatch", Send(R"([{"MessageBody":"x"}])"), false},
      {"SendMessageBatch", Send(R"([{"Id":5,"MessageBody":"x"}])"), false},
      {"SendMessageBatch", Send(R"([{"Id":"a","MessageBody":5}])"), false},
      {"SendMessageBatch", Send(R"([{"Id":"a","MessageBody":null}])"), false},
      {"SendMessageBatch", Send(R"([{"Id":"a","MessageBody":"x","MessageBody":"y"}])"), false},
      {"SendMessageBatch", Send(R"([{"Id":"a","Id":"b","MessageBody":"y"}])"), false},
      {"SendMessageBatch", Send(R"([{"Id":"a","MessageBody":"x","DelaySeconds":null}])"), false},
      {"SendMessageBatch", Send(R"([{"Id":"a","MessageBody":"x","DelaySeconds":"5"}])"), false},
      {"SendMessageBatch", Send(R"([{"Id":"a","MessageBody":"x","DelaySeconds":5.0}])"), false},
      {"SendMessageBatch", Send(R"([{"Id":"a","MessageBody":"x","DelaySeconds":1e1}])"), false},
      {"SendMessageBatch", Send(R"([{"Id":"a","MessageBody":"x","DelaySeconds":true}])"), false},
      {"SendMessageBatch",
       Send(R"([{"Id":"a","MessageBody":"x","DelaySeconds":9223372036854775808}])"), false},
      {"SendMessageBatch", Send(R"([{"Id":"a","MessageBody":"x","MessageGroupId":5}])"), false},
      {"SendMessageBatch",
       Send(
           R"([{"Id":"a","MessageBody":"x","MessageAttributes":{"k":{"DataType":"String","StringValue":"v"}}}])"),
       false},
      {"SendMessageBatch", Send(R"([{"Id":"a","MessageBody":"x","MessageAttributes":{}}])"), false},
      {"SendMessageBatch",
       Send(
           R"([{"Id":"a","MessageBody":"x","MessageSystemAttributes":{"AWSTraceHeader":{"DataType":"String","StringValue":"t"}}}])"),
       false},
      {"SendMessageBatch", Send(R"([{"Id":"a","MessageBody":"x","messagebody":"y"}])"), false},
      {"SendMessageBatch", Send(R"([{"Id":"a","MessageBody":"x"}])") + "x", false},
      {"SendMessageBatch", Send(R"([{"Id":"a","MessageBody":"x"}])") + "{}", false},
      {"SendMessageBatch", Send(R"([{"Id":"a","MessageBody":"x"},])"), false},
      {"SendMessageBatch", Send(R"([{"Id":"a","MessageBody":"x"}])").substr(0, 40), false},
      {"SendMessageBatch", Send(std::string(R"([{"Id":"a","MessageBody":")") + "\xff\"}])"), false},
      {"SendMessageBatch", Send(R"([{"Id":"a","MessageBody":"x"}])") + "// c", false},
      {"SendMessageBatch", "", false},
      {"SendMessageBatch", "[]", false},
      {"SendMessageBatch", R"("text")", false},
      // DeleteMessageBatch (no handle here was issued: each fails per entry).
      {"DeleteMessageBatch",
       Send(R"([{"Id":"a","ReceiptHandle":"bogus"},{"Id":"b","ReceiptHandle":""}])"), true},
      {"DeleteMessageBatch", Send(R"([{"Id":"a","ReceiptHandle":"\u00ff\""}])"), true},
      {"DeleteMessageBatch",
       Send(R"([{"Id":"a","ReceiptHandle":"h"},{"Id":"a","ReceiptHandle":"h"}])"), true},
      {"DeleteMessageBatch", Send(R"([{"Id":"a","ReceiptHandle":"h"}])", "nosuch"), true},
      {"DeleteMessageBatch", Send(R"([{"Id":"a"}])"), false},
      {"DeleteMessageBatch", Send(R"([{"Id":"a","ReceiptHandle":5}])"), false},
      {"DeleteMessageBatch", Send(R"([{"Id":"a","ReceiptHandle":"h","MessageBody":"x"}])"), false},
      {"DeleteMessageBatch", Send(R"([{"Id":"a","ReceiptHandle":"h","ReceiptHandle":"h"}])"),
       false},
      {"DeleteMessageBatch", Send("[]"), false},
      {"DeleteMessageBatch", Send(R"([{"Id":"a","ReceiptHandle":"h"}])") + ",", false},
  };
}

// Two APIs on one engine: one reads batch inputs directly, the other always through the tree.
class SqsBatchInputApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    QueueEngineOptions engine_options{dir_.path()};
    engine_options.segment_target_bytes = 1 << 20;
    auto engine = QueueEngine::Open(std::move(engine_options));
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    engine_ = std::move(*engine);
    direct_ = std::make_unique<SqsApi>(engine_.get(), SqsApiOptions{"http://h:1"});
    SqsApiOptions tree_options{"http://h:1"};
    tree_options.read_batch_input_directly = false;
    tree_ = std::make_unique<SqsApi>(engine_.get(), tree_options);
    ASSERT_EQ(Call(*tree_, "CreateQueue", R"({"QueueName":"q"})").status, 200);
    ASSERT_EQ(
        Call(*tree_, "CreateQueue", R"({"QueueName":"q.fifo","Attributes":{"FifoQueue":"true"}})")
            .status,
        200);
  }

  static net::HttpResponse Call(SqsApi& api, const std::string& action, const std::string& body) {
    net::HttpRequest request;
    request.method = "POST";
    request.target = "/";
    request.headers = {{"X-Amz-Target", "AmazonSQS." + action},
                       {"Content-Type", "application/x-amz-json-1.0"}};
    request.body = body;
    std::promise<net::HttpResponse> p;
    api.Handle(std::move(request), [&](net::HttpResponse r) { p.set_value(std::move(r)); });
    return p.get_future().get();
  }

  // The response without what differs between two sends of the same request: MessageIds,
  // SequenceNumbers and the request id.
  static std::string Comparable(const net::HttpResponse& r) {
    std::string out = std::to_string(r.status) + " " + std::string(r.Header("x-amzn-query-error")) +
                      " " + std::string(r.Header("Content-Type")) + "\n";
    if (r.status != 200) return out + r.body;
    json::value v = json::parse(r.body);
    for (auto& e : v.as_object()["Successful"].as_array()) {
      e.as_object().erase("MessageId");
      e.as_object().erase("SequenceNumber");
    }
    return out + json::serialize(v);
  }

  roadsense::testing::TempDir dir_;
  std::unique_ptr<QueueEngine> engine_;
  std::unique_ptr<SqsApi> direct_;
  std::unique_ptr<SqsApi> tree_;
};

TEST_F(SqsBatchInputApiTest, DirectReadingAnswersAsTheTreeOrDeclines) {
  for (const BatchCase& c : Cases()) {
    SCOPED_TRACE(std::string(c.action) + " " + c.body.substr(0, 200));
    EXPECT_EQ(ReadSqsBatchInput(c.action, c.body).has_value(), c.direct);
    const uint64_t before = direct_->batch_inputs_read_directly();
    const std::string direct = Comparable(Call(*direct_, c.action, c.body));
    EXPECT_EQ(direct_->batch_inputs_read_directly() - before, c.direct ? 1u : 0u);
    EXPECT_EQ(direct, Comparable(Call(*tree_, c.action, c.body)));
  }
  EXPECT_EQ(tree_->batch_inputs_read_directly(), 0u);
}

TEST_F(SqsBatchInputApiTest, ACycleReadDirectlySendsAndDeletes) {
  auto sent = Call(*direct_, "SendMessageBatch", Send(Entries(3)));
  ASSERT_EQ(sent.status, 200) << sent.body;
  EXPECT_EQ(json::parse(sent.body).at("Successful").as_array().size(), 3u);
  auto received = Call(*direct_, "ReceiveMessage",
                       R"({"QueueUrl":"http://h:1/000000000000/q","MaxNumberOfMessages":10})");
  const json::value received_json = json::parse(received.body);
  const json::array& messages = received_json.at("Messages").as_array();
  ASSERT_EQ(messages.size(), 3u);
  std::string entries = "[";
  for (size_t i = 0; i < messages.size(); ++i) {
    EXPECT_EQ(messages[i].at("Body").as_string(), "m");
    entries += std::string(i ? "," : "") + R"({"Id":"d)" + std::to_string(i) +
               R"(","ReceiptHandle":)" + json::serialize(messages[i].at("ReceiptHandle")) + "}";
  }
  auto deleted = Call(*direct_, "DeleteMessageBatch", Send(entries + "]"));
  ASSERT_EQ(deleted.status, 200);
  EXPECT_EQ(json::parse(deleted.body).at("Successful").as_array().size(), 3u);
  EXPECT_EQ(json::parse(deleted.body).at("Failed").as_array().size(), 0u);
  EXPECT_EQ(direct_->batch_inputs_read_directly(), 2u);
}

}  // namespace
}  // namespace roadsense::queue
