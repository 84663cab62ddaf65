// Receive durability, dead-letter queues, purge limits and in-flight counts of QueueEngine.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "queue/queue_engine.h"
#include "queue/sqs_error.h"
#include "tests/queue/queue_engine_fixture.h"

namespace roadsense::queue {
namespace {

using QueueSemanticsTest = testing::QueueEngineFixture;

constexpr char kArnPrefix[] = "arn:aws:sqs:us-east-1:000000000000:";

std::string RedrivePolicy(const std::string& dlq, int max_receive_count) {
  return std::string("{\"deadLetterTargetArn\":\"") + kArnPrefix + dlq +
         "\",\"maxReceiveCount\":" + std::to_string(max_receive_count) + "}";
}

SqsErrorCode CodeOf(const Status& s) {
  std::string message;
  return SqsErrorCodeOf(s, &message);
}

TEST_F(QueueSemanticsTest, ReceiveCountAndFirstReceiveSurviveRestart) {
  ASSERT_TRUE(Create("q").ok());
  ASSERT_TRUE(Send({"a"}).ok());
  auto first = Receive(1, 0);
  ASSERT_EQ(first.size(), 1u);
  ASSERT_EQ(Receive(1, 0).size(), 1u);
  Reopen();
  auto third = Receive(1, 0);
  ASSERT_EQ(third.size(), 1u);
  EXPECT_EQ(third[0].receive_count, 3);
  EXPECT_EQ(third[0].first_receive_ms, first[0].first_receive_ms);
}

TEST_F(QueueSemanticsTest, InFlightMessageIsVisibleAfterRestartWithItsCount) {
  ASSERT_TRUE(Create("q").ok());
  ASSERT_TRUE(Send({"a"}).ok());
  ASSERT_EQ(Receive(1, 3600).size(), 1u);
  Reopen();
  auto again = Receive(1, 3600);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].receive_count, 2);
}

TEST_F(QueueSemanticsTest, ReceiptHandleFromBeforeRestartStillDeletes) {
  ASSERT_TRUE(Create("q").ok());
  ASSERT_TRUE(Send({"a"}).ok());
  auto got = Receive(1, 3600);
  ASSERT_EQ(got.size(), 1u);
  Reopen();
  ASSERT_TRUE(Delete(got[0]).ok());
  Reopen();
  EXPECT_TRUE(Receive(1).empty());
}

TEST_F(QueueSemanticsTest, ReceiveBeyondMaxReceiveCountMovesToDeadLetterQueue) {
  ASSERT_TRUE(Create("dlq").ok());
  ASSERT_TRUE(Create("q", {{"RedrivePolicy", RedrivePolicy("dlq", 2)}}).ok());
  ASSERT_TRUE(Send({"poison"}).ok());
  ASSERT_EQ(Receive(1, 0).size(), 1u);
  ASSERT_EQ(Receive(1, 0).size(), 1u);
  EXPECT_TRUE(Receive(1, 0).empty());  // the third receive moves it instead
  auto dead = Receive(1, 0, /*wait=*/5, "dlq");
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].body(), "poison");
}

TEST_F(QueueSemanticsTest, MaxReceiveCountHoldsAcrossRestarts) {
  ASSERT_TRUE(Create("dlq").ok());
  ASSERT_TRUE(Create("q", {{"RedrivePolicy", RedrivePolicy("dlq", 2)}}).ok());
  ASSERT_TRUE(Send({"poison"}).ok());
  ASSERT_EQ(Receive(1, 3600).size(), 1u);
  Reopen();
  ASSERT_EQ(Receive(1, 3600).size(), 1u);
  Reopen();
  EXPECT_TRUE(Receive(1, 3600).empty());
  ASSERT_EQ(Receive(1, 0, /*wait=*/5, "dlq").size(), 1u);
  Reopen();  // the move is durable
  EXPECT_TRUE(Receive(1, 0, 0, "q").empty());
  EXPECT_EQ(Receive(1, 0, 0, "dlq").size(), 1u);
}

TEST_F(QueueSemanticsTest, RedrivePolicyToMissingQueueIsInvalid) {
  EXPECT_EQ(CodeOf(Create("q", {{"RedrivePolicy", RedrivePolicy("nope", 3)}})),
            SqsErrorCode::kInvalidParameterValue);
}

TEST_F(QueueSemanticsTest, RedrivePolicyWithBadMaxReceiveCountIsInvalid) {
  ASSERT_TRUE(Create("dlq").ok());
  EXPECT_EQ(CodeOf(Create("q", {{"RedrivePolicy", RedrivePolicy("dlq", 0)}})),
            SqsErrorCode::kInvalidParameterValue);
  EXPECT_EQ(CodeOf(Create("q", {{"RedrivePolicy", "not json"}})),
            SqsErrorCode::kInvalidParameterValue);
}

TEST_F(QueueSemanticsTest, RedriveAllowPolicyDenyAllRefusesSources) {
  ASSERT_TRUE(Create("dlq", {{"RedriveAllowPolicy", R"({"redrivePermission":"denyAll"})"}}).ok());
  EXPECT_EQ(CodeOf(Create("q", {{"RedrivePolicy", RedrivePolicy("dlq", 3)}})),
            SqsErrorCode::kInvalidParameterValue);
}

TEST_F(QueueSemanticsTest, RedriveAllowPolicyByQueueAllowsListedSourcesOnly) {
  const std::string policy = std::string(R"({"redrivePermission":"byQueue","sourceQueueArns":[")") +
                             kArnPrefix + "good\"]}";
  ASSERT_TRUE(Create("dlq", {{"RedriveAllowPolicy", policy}}).ok());
  EXPECT_TRUE(Create("good", {{"RedrivePolicy", RedrivePolicy("dlq", 3)}}).ok());
  EXPECT_EQ(CodeOf(Create("bad", {{"RedrivePolicy", RedrivePolicy("dlq", 3)}})),
            SqsErrorCode::kInvalidParameterValue);
}

TEST_F(QueueSemanticsTest, MalformedRedriveAllowPolicyIsInvalid) {
  EXPECT_EQ(CodeOf(Create("dlq", {{"RedriveAllowPolicy", R"({"redrivePermission":"byQueue"})"}})),
            SqsErrorCode::kInvalidParameterValue);
  EXPECT_EQ(CodeOf(Create("dlq", {{"RedriveAllowPolicy", R"({"redrivePermission":"some"})"}})),
            SqsErrorCode::kInvalidParameterValue);
}

TEST_F(QueueSemanticsTest, ListDeadLetterSourceQueuesNamesSources) {
  ASSERT_TRUE(Create("dlq").ok());
  ASSERT_TRUE(Create("b", {{"RedrivePolicy", RedrivePolicy("dlq", 3)}}).ok());
  ASSERT_TRUE(Create("a", {{"RedrivePolicy", RedrivePolicy("dlq", 3)}}).ok());
  ASSERT_TRUE(Create("other").ok());
  auto sources = engine_->ListDeadLetterSourceQueues("dlq");
  ASSERT_TRUE(sources.ok());
  EXPECT_EQ(*sources, (std::vector<std::string>{"a", "b"}));
}

TEST_F(QueueSemanticsTest, SecondPurgeWithin60SecondsIsPurgeQueueInProgress) {
  ASSERT_TRUE(Create("q").ok());
  ASSERT_TRUE(Purge("q").ok());
  EXPECT_EQ(CodeOf(Purge("q")), SqsErrorCode::kPurgeQueueInProgress);
}

TEST_F(QueueSemanticsTest, PurgeSurvivesRestart) {
  ASSERT_TRUE(Create("q").ok());
  ASSERT_TRUE(Send({"a", "b"}).ok());
  ASSERT_TRUE(Purge("q").ok());
  ASSERT_TRUE(Send({"c"}).ok());
  Reopen();
  EXPECT_EQ(BodiesOf(Receive(10)), (std::vector<std::string>{"c"}));
}

TEST_F(QueueSemanticsTest, ApproximateCountsFollowMessageStates) {
  ASSERT_TRUE(Create("q").ok());
  ASSERT_TRUE(Send({"a", "b", "c"}).ok());
  ASSERT_TRUE(Send({"d"}, /*delay_seconds=*/900).ok());
  ASSERT_EQ(Receive(1, 3600).size(), 1u);
  EXPECT_EQ(Attribute("ApproximateNumberOfMessages"), "2");
  EXPECT_EQ(Attribute("ApproximateNumberOfMessagesNotVisible"), "1");
  EXPECT_EQ(Attribute("ApproximateNumberOfMessagesDelayed"), "1");
}

}  // namespace
}  // namespace roadsense::queue

namespace roadsense::queue {
namespace {

// Small segments and frequent reclamation, so that a test sees segments come and go.
class QueueReclamationTest : public testing::QueueEngineFixture {
 protected:
  QueueEngineOptions Options() override { return ReclaimingOptions(); }

  uint64_t DiskBytes() {
    uint64_t total = 0;
    for (const auto& e : std::filesystem::directory_iterator(dir_.path())) {
      if (e.is_regular_file()) total += e.file_size();
    }
    return total;
  }

  // Waits (bounded) until reclamation brought disk use under `bytes`.
  bool WaitForDiskBelow(uint64_t bytes) {
    for (int i = 0; i < 400 && DiskBytes() >= bytes; ++i) {
      // Any commit rolls the log on and gives maintenance a turn.
      EXPECT_TRUE(SetAttributes("q", {{"DelaySeconds", "0"}}).ok());
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return DiskBytes() < bytes;
  }

  std::vector<std::string> Bodies(int n, const std::string& prefix) {
    std::vector<std::string> bodies;
    for (int i = 0; i < n; ++i)
      bodies.push_back(prefix + std::to_string(i) + std::string(1000, 'x'));
    return bodies;
  }

  void ReceiveAndDeleteAll() {
    for (;;) {
      auto got = Receive(10, 3600);
      if (got.empty()) return;
      for (const auto& m : got) ASSERT_TRUE(Delete(m).ok());
    }
  }
};

TEST_F(QueueReclamationTest, DiskUseDropsAfterDeleteAll) {
  ASSERT_TRUE(Create("q", {{"VisibilityTimeout", "60"}}).ok());
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(Send(Bodies(10, "m" + std::to_string(i))).ok());
  const uint64_t full = DiskBytes();
  ASSERT_GT(full, 200u << 10);
  ReceiveAndDeleteAll();
  EXPECT_TRUE(WaitForDiskBelow(full / 4)) << DiskBytes() << " of " << full;

  Reopen();  // the snapshot keeps the queue and its attributes; nothing deleted returns
  EXPECT_EQ(Attribute("VisibilityTimeout"), "60");
  EXPECT_TRUE(Receive(10).empty());
  ASSERT_TRUE(Send({"after"}).ok());
  Reopen();
  EXPECT_EQ(BodiesOf(Receive(10)), (std::vector<std::string>{"after"}));
}

TEST_F(QueueReclamationTest, LongLivedMessageIsCopiedForwardNotKeptWithItsSegment) {
  ASSERT_TRUE(Create("q").ok());
  ASSERT_TRUE(Send({"keeper"}).ok());
  auto keeper = Receive(1, 0);  // received once: the count must survive the copy
  ASSERT_EQ(keeper.size(), 1u);
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(Send(Bodies(10, "m" + std::to_string(i))).ok());
  const uint64_t full = DiskBytes();
  for (;;) {
    auto got = Receive(10, 3600);
    if (got.empty()) break;
    for (const auto& m : got) {
      if (m.body() != "keeper") {
        ASSERT_TRUE(Delete(m).ok());
      }
    }
  }
  EXPECT_TRUE(WaitForDiskBelow(full / 4)) << DiskBytes() << " of " << full;

  Reopen();
  auto after = Receive(10);
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0].body(), "keeper");
  EXPECT_EQ(after[0].receive_count, 3);  // once before, once in the drain, once now
}

TEST_F(QueueReclamationTest, QueueDeletedAndRecreatedBeforeSnapshotDoesNotGetOldMessages) {
  ASSERT_TRUE(Create("q").ok());
  ASSERT_TRUE(Send({"old"}).ok());
  std::promise<Status> p;
  engine_->DeleteQueue("q", [&](Status s) { p.set_value(s); });
  ASSERT_TRUE(p.get_future().get().ok());
  ASSERT_TRUE(Create("q").ok());
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(Send(Bodies(10, "m" + std::to_string(i))).ok());
  ReceiveAndDeleteAll();
  ASSERT_TRUE(WaitForDiskBelow(64 << 10));
  Reopen();
  EXPECT_TRUE(Receive(10).empty());
}

}  // namespace
}  // namespace roadsense::queue
