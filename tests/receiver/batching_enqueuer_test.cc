#include "receiver/batching_enqueuer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <future>
#include <map>
#include <mutex>
#include <thread>

#include "tests/receiver/fake_queue_sender.h"

namespace roadsense::receiver {
namespace {

using ::testing::ElementsAre;
using testing::FakeQueueSender;

// Collects each body's outcome: the message id, or "error: <status>".
class Outcomes {
 public:
  EnqueueCallback For(const std::string& body) {
    return [this, body](Result<std::string> r) {
      std::lock_guard lock(mu_);
      by_body_[body] = r.ok() ? *r : "error: " + r.status().ToString();
    };
  }
  std::map<std::string, std::string> Get() const {
    std::lock_guard lock(mu_);
    return by_body_;
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::string> by_body_;
};

// One sender thread and a linger far longer than any test: batches are sent only when full or
// on Stop(), so their sizes are deterministic.
BatchingEnqueuerOptions LongLinger() {
  BatchingEnqueuerOptions o;
  o.sender_threads = 1;
  o.linger = std::chrono::seconds(60);
  return o;
}

std::vector<size_t> CallSizes(const FakeQueueSender& sender) {
  std::vector<size_t> sizes;
  for (const auto& call : sender.calls()) sizes.push_back(call.size());
  return sizes;
}

TEST(BatchingEnqueuerTest, ConcurrentUploadsAreCoalescedIntoBatchesOfTen) {
  FakeQueueSender sender;
  Outcomes outcomes;  // outlives the enqueuer, whose threads write to it
  BatchingEnqueuer enqueuer(LongLinger(), &sender);
  std::vector<std::thread> uploaders;
  for (int t = 0; t < 5; ++t) {
    uploaders.emplace_back([&, t] {
      for (int i = 0; i < 5; ++i) {
        const std::string body = "b" + std::to_string(t) + "-" + std::to_string(i);
        ASSERT_TRUE(enqueuer.Enqueue(body, outcomes.For(body)).ok());
      }
    });
  }
  for (auto& u : uploaders) u.join();
  enqueuer.Stop();
  EXPECT_THAT(CallSizes(sender), ElementsAre(10, 10, 5));
  EXPECT_EQ(outcomes.Get().size(), 25u);
}

TEST(BatchingEnqueuerTest, EachUploadGetsItsOwnEntrysMessageId) {
  FakeQueueSender sender;
  Outcomes outcomes;  // outlives the enqueuer, whose threads write to it
  BatchingEnqueuer enqueuer(LongLinger(), &sender);
  for (std::string body : {"a", "b", "c"})
    ASSERT_TRUE(enqueuer.Enqueue(body, outcomes.For(body)).ok());
  enqueuer.Stop();
  EXPECT_EQ(outcomes.Get(),
            (std::map<std::string, std::string>{{"a", "mid-a"}, {"b", "mid-b"}, {"c", "mid-c"}}));
}

TEST(BatchingEnqueuerTest, FailedEntryFailsOnlyItsOwnUpload) {
  FakeQueueSender sender;
  Outcomes outcomes;  // outlives the enqueuer, whose threads write to it
  sender.FailBody("b");
  BatchingEnqueuer enqueuer(LongLinger(), &sender);
  for (std::string body : {"a", "b", "c"})
    ASSERT_TRUE(enqueuer.Enqueue(body, outcomes.For(body)).ok());
  enqueuer.Stop();
  ASSERT_EQ(sender.calls().size(), 1u);  // one batch, one failed entry in it
  auto got = outcomes.Get();
  EXPECT_EQ(got["a"], "mid-a");
  EXPECT_THAT(got["b"], ::testing::StartsWith("error: Unavailable: InternalError"));
  EXPECT_EQ(got["c"], "mid-c");
}

TEST(BatchingEnqueuerTest, EntryMissingFromAnswerIsFailed) {
  FakeQueueSender sender;
  Outcomes outcomes;  // outlives the enqueuer, whose threads write to it
  sender.DropBody("a");
  BatchingEnqueuer enqueuer(LongLinger(), &sender);
  for (std::string body : {"a", "b"}) ASSERT_TRUE(enqueuer.Enqueue(body, outcomes.For(body)).ok());
  enqueuer.Stop();
  auto got = outcomes.Get();
  EXPECT_THAT(got["a"], ::testing::StartsWith("error: Unavailable"));
  EXPECT_EQ(got["b"], "mid-b");
}

TEST(BatchingEnqueuerTest, FailedCallFailsEveryUploadInIt) {
  FakeQueueSender sender;
  Outcomes outcomes;  // outlives the enqueuer, whose threads write to it
  sender.FailCalls(true);
  BatchingEnqueuer enqueuer(LongLinger(), &sender);
  for (std::string body : {"a", "b"}) ASSERT_TRUE(enqueuer.Enqueue(body, outcomes.For(body)).ok());
  enqueuer.Stop();
  for (const auto& [body, outcome] : outcomes.Get()) {
    EXPECT_THAT(outcome, ::testing::HasSubstr("connection refused")) << body;
  }
  EXPECT_EQ(outcomes.Get().size(), 2u);
}

TEST(BatchingEnqueuerTest, BatchesStayWithinByteLimit) {
  FakeQueueSender sender;
  Outcomes outcomes;  // outlives the enqueuer, whose threads write to it
  auto options = LongLinger();
  options.max_batch_bytes = 100;
  BatchingEnqueuer enqueuer(options, &sender);
  for (int i = 0; i < 5; ++i) {
    std::string body(40, static_cast<char>('a' + i));
    ASSERT_TRUE(enqueuer.Enqueue(body, outcomes.For(body)).ok());
  }
  enqueuer.Stop();
  EXPECT_THAT(CallSizes(sender), ElementsAre(2, 2, 1));
}

TEST(BatchingEnqueuerTest, BodyLargerThanOneBatchIsInvalidArgument) {
  FakeQueueSender sender;
  Outcomes outcomes;  // outlives the enqueuer, whose threads write to it
  auto options = LongLinger();
  options.max_batch_bytes = 100;
  BatchingEnqueuer enqueuer(options, &sender);
  EXPECT_EQ(enqueuer.Enqueue(std::string(101, 'x'), outcomes.For("x")).code(),
            StatusCode::kInvalidArgument);
}

TEST(BatchingEnqueuerTest, FullEnqueuerShedsWithResourceExhausted) {
  FakeQueueSender sender;
  Outcomes outcomes;  // outlives the enqueuer, whose threads write to it
  sender.Hold();
  auto options = LongLinger();
  options.max_inflight = 2;
  options.linger = std::chrono::microseconds(0);
  BatchingEnqueuer enqueuer(options, &sender);
  ASSERT_TRUE(enqueuer.Enqueue("a", outcomes.For("a")).ok());
  sender.AwaitWaiting(1);  // "a" is being sent and still counts as in flight
  ASSERT_TRUE(enqueuer.Enqueue("b", outcomes.For("b")).ok());
  EXPECT_EQ(enqueuer.Enqueue("c", outcomes.For("c")).code(), StatusCode::kResourceExhausted);
  sender.Release();
  enqueuer.Stop();
  EXPECT_EQ(outcomes.Get().count("c"), 0u);  // a shed upload's callback never runs
  EXPECT_EQ(outcomes.Get().size(), 2u);
}

TEST(BatchingEnqueuerTest, AnUploadsSlotIsFreeBeforeItsAnswerGoesOut) {
  FakeQueueSender sender;
  auto options = LongLinger();
  options.max_inflight = 1;
  options.linger = std::chrono::microseconds(0);
  BatchingEnqueuer enqueuer(options, &sender);
  std::promise<std::pair<bool, size_t>> seen;  // Full() and unanswered() inside the answer
  ASSERT_TRUE(enqueuer
                  .Enqueue("a",
                           [&](Result<std::string>) {
                             seen.set_value({enqueuer.Full(), enqueuer.unanswered()});
                           })
                  .ok());
  const auto [full, unanswered] = seen.get_future().get();
  // A car answered may upload again at once: its slot is free, yet the drain still waits.
  EXPECT_FALSE(full);
  EXPECT_EQ(unanswered, 1u);
  enqueuer.Stop();
  EXPECT_EQ(enqueuer.unanswered(), 0u);
}

TEST(BatchingEnqueuerTest, InflightBytesBoundShedsWithResourceExhausted) {
  FakeQueueSender sender;
  Outcomes outcomes;  // outlives the enqueuer, whose threads write to it
  sender.Hold();
  auto options = LongLinger();
  options.max_inflight_bytes = 10;
  options.linger = std::chrono::microseconds(0);
  BatchingEnqueuer enqueuer(options, &sender);
  // A body larger than the bound alone is admitted (the bound never blocks all progress).
  ASSERT_TRUE(enqueuer.Enqueue("aaaaaaaaaaaa", outcomes.For("a")).ok());
  sender.AwaitWaiting(1);
  EXPECT_EQ(enqueuer.Enqueue("b", outcomes.For("b")).code(), StatusCode::kResourceExhausted);
  sender.Release();
  while (enqueuer.unanswered() > 0) std::this_thread::yield();
  // Its bytes are released with it.
  EXPECT_TRUE(enqueuer.Enqueue("bbbbbbbbbb", outcomes.For("b")).ok());
  enqueuer.Stop();
}

TEST(BatchingEnqueuerTest, QueueKnownDownFailsBatchesWithoutCallingIt) {
  FakeQueueSender sender;
  Outcomes outcomes;  // outlives the enqueuer, whose threads write to it
  auto options = LongLinger();
  options.linger = std::chrono::microseconds(0);
  options.queue_down = [] { return true; };
  BatchingEnqueuer enqueuer(options, &sender);
  ASSERT_TRUE(enqueuer.Enqueue("a", outcomes.For("a")).ok());
  enqueuer.Stop();
  EXPECT_THAT(outcomes.Get()["a"], ::testing::HasSubstr("not reachable"));
  EXPECT_TRUE(sender.calls().empty());
}

TEST(BatchingEnqueuerTest, CapacityIsFreedWhenUploadsComplete) {
  FakeQueueSender sender;
  Outcomes outcomes;  // outlives the enqueuer, whose threads write to it
  auto options = LongLinger();
  options.max_inflight = 1;
  options.linger = std::chrono::microseconds(0);
  BatchingEnqueuer enqueuer(options, &sender);
  ASSERT_TRUE(enqueuer.Enqueue("a", outcomes.For("a")).ok());
  while (enqueuer.unanswered() > 0) std::this_thread::yield();
  EXPECT_TRUE(enqueuer.Enqueue("b", outcomes.For("b")).ok());
}

TEST(BatchingEnqueuerTest, StopSendsWhatIsQueued) {
  FakeQueueSender sender;
  Outcomes outcomes;  // outlives the enqueuer, whose threads write to it
  BatchingEnqueuer enqueuer(LongLinger(), &sender);
  ASSERT_TRUE(enqueuer.Enqueue("a", outcomes.For("a")).ok());
  enqueuer.Stop();
  EXPECT_EQ(outcomes.Get().at("a"), "mid-a");
}

TEST(BatchingEnqueuerTest, EnqueueAfterStopIsUnavailable) {
  FakeQueueSender sender;
  Outcomes outcomes;  // outlives the enqueuer, whose threads write to it
  BatchingEnqueuer enqueuer(LongLinger(), &sender);
  enqueuer.Stop();
  EXPECT_EQ(enqueuer.Enqueue("a", outcomes.For("a")).code(), StatusCode::kUnavailable);
}

TEST(BatchingEnqueuerTest, LingerSendsAPartialBatchWithoutStop) {
  FakeQueueSender sender;
  Outcomes outcomes;  // outlives the enqueuer, whose threads write to it
  auto options = LongLinger();
  options.linger = std::chrono::milliseconds(1);
  BatchingEnqueuer enqueuer(options, &sender);
  ASSERT_TRUE(enqueuer.Enqueue("a", outcomes.For("a")).ok());
  while (enqueuer.unanswered() > 0) std::this_thread::yield();
  EXPECT_EQ(outcomes.Get().at("a"), "mid-a");
}

}  // namespace
}  // namespace roadsense::receiver
