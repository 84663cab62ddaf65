// Tags and AddPermission grants are durable: they survive restarts, including restarts that
// replay a snapshot after the segments holding their records were deleted.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <future>
#include <thread>

#include "queue/sqs_api.h"
#include "tests/queue/queue_engine_fixture.h"

namespace roadsense::queue {
namespace {

namespace json = boost::json;

class QueueTagsTest : public testing::QueueEngineFixture {
 protected:
  Status CreateTagged(const std::string& name, const QueueAttributeMap& tags) {
    std::promise<Status> p;
    engine_->CreateQueue(name, {}, tags, "", [&](Status s) { p.set_value(s); });
    return p.get_future().get();
  }
  Status Tag(const QueueAttributeMap& set, const std::vector<std::string>& remove) {
    std::promise<Status> p;
    engine_->TagQueue("q", set, remove, [&](Status s) { p.set_value(s); });
    return p.get_future().get();
  }
  QueueAttributeMap Tags() {
    auto tags = engine_->GetQueueTags("q");
    EXPECT_TRUE(tags.ok()) << tags.status().ToString();
    return tags.ok() ? *tags : QueueAttributeMap();
  }
};

TEST_F(QueueTagsTest, TagsSurviveRestart) {
  ASSERT_TRUE(CreateTagged("q", {{"team", "maps"}, {"env", "dev"}}).ok());
  ASSERT_TRUE(Tag({{"cost", "42"}, {"env", "prod"}}, {"team"}).ok());
  const QueueAttributeMap want = {{"cost", "42"}, {"env", "prod"}};
  EXPECT_EQ(Tags(), want);
  Reopen();
  EXPECT_EQ(Tags(), want);
}

TEST_F(QueueTagsTest, CreatingAnExistingQueueKeepsItsTags) {
  ASSERT_TRUE(CreateTagged("q", {{"a", "1"}}).ok());
  ASSERT_TRUE(CreateTagged("q", {{"b", "2"}}).ok());
  Reopen();
  EXPECT_EQ(Tags(), (QueueAttributeMap{{"a", "1"}}));
}

TEST_F(QueueTagsTest, TaggingAMissingQueueIsQueueDoesNotExist) {
  EXPECT_EQ(Tag({{"a", "1"}}, {}).code(), StatusCode::kNotFound);
}

TEST_F(QueueTagsTest, OwnerAccountSurvivesRestartAndOwnsTheName) {
  std::promise<Status> p;
  engine_->CreateQueue("q", {}, {}, "111111111111", [&](Status s) { p.set_value(s); });
  ASSERT_TRUE(p.get_future().get().ok());
  Reopen();
  auto owner = engine_->GetQueueOwner("q");
  ASSERT_TRUE(owner.ok());
  EXPECT_EQ(*owner, "111111111111");
  EXPECT_EQ(Create("q").code(), StatusCode::kAlreadyExists);  // the server's account: taken
}

// Small segments and frequent reclamation: the Create and TagQueue records are deleted with
// their segments, and only the snapshot carries the tags.
class QueueTagsSnapshotTest : public QueueTagsTest {
 protected:
  QueueEngineOptions Options() override { return ReclaimingOptions(); }
  bool FirstSegmentGone() {
    return !std::filesystem::exists(dir_.path() + "/wal-00000000000000000001.log");
  }
};

TEST_F(QueueTagsSnapshotTest, TagsSurviveSegmentDeletion) {
  ASSERT_TRUE(CreateTagged("q", {{"team", "maps"}}).ok());
  ASSERT_TRUE(Tag({{"env", "prod"}}, {}).ok());
  for (int round = 0; round < 400 && !FirstSegmentGone(); ++round) {
    ASSERT_TRUE(Send({std::string(4000, 'x')}).ok());
    for (const auto& m : Receive(10, 3600)) ASSERT_TRUE(Delete(m).ok());
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ASSERT_TRUE(FirstSegmentGone());
  Reopen();
  EXPECT_EQ(Tags(), (QueueAttributeMap{{"env", "prod"}, {"team", "maps"}}));
}

// AddPermission grants live in the queue's Policy attribute, which is logged like any other.
class QueuePermissionsTest : public testing::QueueEngineFixture {
 protected:
  json::object Call(const std::string& action, const std::string& body) {
    SqsApi api(engine_.get(), {"http://h:1"});
    net::HttpRequest request;
    request.method = "POST";
    request.target = "/";
    request.headers = {{"X-Amz-Target", "AmazonSQS." + action},
                       {"Content-Type", "application/x-amz-json-1.0"}};
    request.body = body;
    std::promise<net::HttpResponse> p;
    api.Handle(std::move(request), [&](net::HttpResponse r) { p.set_value(std::move(r)); });
    auto r = p.get_future().get();
    EXPECT_EQ(r.status, 200) << r.body;
    return json::parse(r.body).as_object();
  }
  std::string PolicyText() {
    auto out = Call("GetQueueAttributes",
                    R"({"QueueUrl":"http://h:1/000000000000/q","AttributeNames":["Policy"]})");
    if (!out.contains("Attributes")) return "";
    const auto& a = out.at("Attributes").as_object();
    return a.contains("Policy") ? std::string(a.at("Policy").as_string()) : "";
  }
};

TEST_F(QueuePermissionsTest, PermissionsSurviveRestart) {
  Call("CreateQueue", R"({"QueueName":"q"})");
  for (const char* label : {"one", "two"}) {
    Call("AddPermission", R"({"QueueUrl":"http://h:1/000000000000/q","Label":")" +
                              std::string(label) +
                              R"(","AWSAccountIds":["111111111111","222222222222"],)"
                              R"("Actions":["SendMessage"]})");
  }
  Call("RemovePermission", R"({"QueueUrl":"http://h:1/000000000000/q","Label":"one"})");
  Reopen();
  auto policy = json::parse(PolicyText()).as_object();
  const auto& statements = policy.at("Statement").as_array();
  ASSERT_EQ(statements.size(), 1u);
  const auto& s = statements[0].as_object();
  EXPECT_EQ(s.at("Sid").as_string(), "two");
  EXPECT_EQ(json::serialize(s.at("Principal")),
            R"({"AWS":["arn:aws:iam::111111111111:root","arn:aws:iam::222222222222:root"]})");
  EXPECT_EQ(s.at("Action").as_string(), "SQS:SendMessage");
}

}  // namespace
}  // namespace roadsense::queue
