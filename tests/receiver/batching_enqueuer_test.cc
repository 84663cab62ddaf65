#include "receiver/batching_enqueuer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <future>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "receiver/message_packer.h"
#include "tests/receiver/fake_queue_sender.h"
#include "tests/receiver/packed_body.h"

namespace roadsense::receiver {
namespace {

using ::testing::ElementsAre;
using testing::FakeQueueSender;
using testing::UnpackBody;

// Collects each upload's outcome: the message id, or "error: <status>".
class Outcomes {
 public:
  EnqueueCallback For(const std::string& upload) {
    return [this, upload](Result<std::string> r) {
      std::lock_guard lock(mu_);
      by_upload_[upload] = r.ok() ? *r : "error: " + r.status().ToString();
    };
  }
  std::map<std::string, std::string> Get() const {
    std::lock_guard lock(mu_);
    return by_upload_;
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::string> by_upload_;
};

// One sender thread and a linger far longer than any test: batches are sent only when due by
// size or on Stop(), so their sizes are deterministic.
BatchingEnqueuerOptions LongLinger() {
  BatchingEnqueuerOptions o;
  o.sender_threads = 1;
  o.linger = std::chrono::seconds(60);
  return o;
}

// Upload `i`: distinct bytes of `size` (the enqueuer never parses an upload).
std::string Upload(int i, size_t size = 8) {
  std::string u = "u" + std::to_string(i) + "-";
  u.resize(std::max(size, u.size()), 'x');
  return u;
}

// The uploads of every entry of every call, in order.
std::vector<std::vector<std::string>> EntryUploads(const FakeQueueSender& sender) {
  std::vector<std::vector<std::string>> out;
  for (const auto& call : sender.calls()) {
    for (const sqs::SendEntry& e : call) {
      std::optional<std::vector<std::string>> uploads = UnpackBody(e.body);
      EXPECT_TRUE(uploads.has_value()) << "not a packed body: " << e.body;
      out.push_back(uploads.value_or(std::vector<std::string>{}));
    }
  }
  return out;
}

// All uploads the queue received, in order of entries.
std::vector<std::string> Received(const FakeQueueSender& sender) {
  std::vector<std::string> all;
  for (const auto& entry : EntryUploads(sender)) all.insert(all.end(), entry.begin(), entry.end());
  return all;
}

bool BodyHolds(const std::string& body, const std::string& upload) {
  std::optional<std::vector<std::string>> uploads = UnpackBody(body);
  return uploads && std::find(uploads->begin(), uploads->end(), upload) != uploads->end();
}

std::vector<size_t> CallSizes(const FakeQueueSender& sender) {
  std::vector<size_t> sizes;
  for (const auto& call : sender.calls()) sizes.push_back(call.size());
  return sizes;
}

// Runs an enqueuer with `options`: enqueues `first` and waits until its call is held inside the
// sender, then enqueues `rest` behind it, so that once released the sender finds all of `rest`
// waiting at once; then Stop(). Every upload is answered and its accounting released by then.
void SendBehindAHeldCall(const BatchingEnqueuerOptions& options, FakeQueueSender* sender,
                         Outcomes* outcomes, const std::string& first,
                         const std::vector<std::string>& rest) {
  BatchingEnqueuer enqueuer(options, sender);
  sender->Hold();
  ASSERT_TRUE(enqueuer.Enqueue(first, outcomes->For(first)).ok());
  sender->AwaitWaiting(1);
  for (const std::string& u : rest) ASSERT_TRUE(enqueuer.Enqueue(u, outcomes->For(u)).ok());
  sender->Release();
  enqueuer.Stop();
  EXPECT_EQ(enqueuer.inflight(), 0u);
  EXPECT_EQ(enqueuer.unanswered(), 0u);
  EXPECT_EQ(outcomes->Get().size(), 1 + rest.size());
}

// No linger: a sender takes whatever waits as soon as it is free.
BatchingEnqueuerOptions NoLinger(size_t max_message_bytes = 64 * 1024) {
  BatchingEnqueuerOptions o = LongLinger();
  o.linger = std::chrono::microseconds(0);
  o.max_message_bytes = max_message_bytes;
  return o;
}

std::vector<std::string> Uploads(int from, int to, size_t size = 8) {
  std::vector<std::string> uploads;
  for (int i = from; i < to; ++i) uploads.push_back(Upload(i, size));
  return uploads;
}

TEST(BatchingEnqueuerTest, ManyWaitingUploadsArePackedIntoOneMessage) {
  FakeQueueSender sender;
  Outcomes outcomes;  // outlives the enqueuer, whose threads write to it
  const std::vector<std::string> rest = Uploads(1, 31);
  SendBehindAHeldCall(NoLinger(), &sender, &outcomes, Upload(0), rest);
  EXPECT_THAT(CallSizes(sender), ElementsAre(1, 1));
  const auto entries = EntryUploads(sender);
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0], std::vector<std::string>{Upload(0)});
  EXPECT_EQ(entries[1], rest);  // byte-identical, in arrival order
}

TEST(BatchingEnqueuerTest, MaxMessageBytesSplitsUploadsAcrossEntriesInArrivalOrder) {
  FakeQueueSender sender;
  Outcomes outcomes;             // outlives the enqueuer, whose threads write to it
  auto options = NoLinger(200);  // two uploads of 50 bytes (53 packed): 144 characters
  const std::vector<std::string> rest = Uploads(1, 10, 50);
  SendBehindAHeldCall(options, &sender, &outcomes, Upload(0, 50), rest);
  ASSERT_EQ(sender.calls().size(), 2u);
  const auto calls = sender.calls();  // a copy: a range-for over calls()[1] would dangle
  for (const sqs::SendEntry& e : calls[1]) EXPECT_LE(e.body.size(), 200u);
  const auto entries = EntryUploads(sender);
  ASSERT_EQ(entries.size(), 1u + 5u);
  EXPECT_THAT(entries[1], ElementsAre(rest[0], rest[1]));
  EXPECT_THAT(entries[5], ElementsAre(rest[8]));
  std::vector<std::string> all = {Upload(0, 50)};
  all.insert(all.end(), rest.begin(), rest.end());
  EXPECT_EQ(Received(sender), all);
}

TEST(BatchingEnqueuerTest, ACallHasAtMostTenEntriesAndMaxBatchBytes) {
  FakeQueueSender sender;
  Outcomes outcomes;              // outlives the enqueuer, whose threads write to it
  auto options = NoLinger(1024);  // each 1000-byte upload is a message of its own
  options.max_batch_bytes = 8 * 1400;
  const std::vector<std::string> rest = Uploads(1, 26, 1000);
  SendBehindAHeldCall(options, &sender, &outcomes, Upload(0, 1000), rest);
  // 1340 characters a message: 8 fit 11,200 bytes.
  EXPECT_THAT(CallSizes(sender), ElementsAre(1, 8, 8, 8, 1));
  for (const auto& call : sender.calls()) {
    size_t bytes = 0;
    for (const sqs::SendEntry& e : call) bytes += e.body.size();
    EXPECT_LE(bytes, options.max_batch_bytes);
  }
  EXPECT_EQ(Received(sender).size(), 26u);
}

TEST(BatchingEnqueuerTest, ACallHasAtMostTenEntries) {
  FakeQueueSender sender;
  Outcomes outcomes;  // outlives the enqueuer, whose threads write to it
  auto options = NoLinger(1024);
  SendBehindAHeldCall(options, &sender, &outcomes, Upload(0, 1000), Uploads(1, 26, 1000));
  EXPECT_THAT(CallSizes(sender), ElementsAre(1, 10, 10, 5));
  EXPECT_EQ(Received(sender).size(), 26u);
}

TEST(BatchingEnqueuerTest, OversizedUploadTravelsAlone) {
  FakeQueueSender sender;
  Outcomes outcomes;  // outlives the enqueuer, whose threads write to it
  auto options = NoLinger(1024);
  const std::vector<std::string> rest = {Upload(1), Upload(2, 5000), Upload(3), Upload(4)};
  SendBehindAHeldCall(options, &sender, &outcomes, Upload(0), rest);
  const auto entries = EntryUploads(sender);
  ASSERT_EQ(entries.size(), 4u);
  EXPECT_THAT(entries[1], ElementsAre(Upload(1)));
  EXPECT_THAT(entries[2], ElementsAre(Upload(2, 5000)));
  EXPECT_THAT(entries[3], ElementsAre(Upload(3), Upload(4)));
}

TEST(BatchingEnqueuerTest, ConcurrentUploadsArriveExactlyOnce) {
  FakeQueueSender sender;
  Outcomes outcomes;  // outlives the enqueuer, whose threads write to it
  auto options = LongLinger();
  options.sender_threads = 3;
  options.max_message_bytes = 1024;
  BatchingEnqueuer enqueuer(options, &sender);
  std::vector<std::thread> uploaders;
  for (int t = 0; t < 5; ++t) {
    uploaders.emplace_back([&, t] {
      for (int i = 0; i < 40; ++i) {
        const std::string upload = Upload(t * 100 + i, 100);
        ASSERT_TRUE(enqueuer.Enqueue(upload, outcomes.For(upload)).ok());
      }
    });
  }
  for (auto& u : uploaders) u.join();
  enqueuer.Stop();
  std::vector<std::string> received = Received(sender);
  std::sort(received.begin(), received.end());
  std::vector<std::string> sent;
  for (int t = 0; t < 5; ++t) {
    for (int i = 0; i < 40; ++i) sent.push_back(Upload(t * 100 + i, 100));
  }
  std::sort(sent.begin(), sent.end());
  EXPECT_EQ(received, sent);
  for (size_t entries : CallSizes(sender)) EXPECT_LE(entries, 10u);
  // Each callback got the message id of the entry its upload went into.
  for (const auto& [upload, outcome] : outcomes.Get()) {
    ASSERT_EQ(outcome.rfind("mid-", 0), 0u) << outcome;
    EXPECT_TRUE(BodyHolds(outcome.substr(4), upload)) << upload;
  }
  EXPECT_EQ(outcomes.Get().size(), 200u);
  EXPECT_EQ(enqueuer.unanswered(), 0u);
}

TEST(BatchingEnqueuerTest, UploadsPackedTogetherShareTheirEntrysMessageId) {
  FakeQueueSender sender;
  Outcomes outcomes;  // outlives the enqueuer, whose threads write to it
  BatchingEnqueuer enqueuer(LongLinger(), &sender);
  for (std::string u : {"a", "b", "c"}) ASSERT_TRUE(enqueuer.Enqueue(u, outcomes.For(u)).ok());
  enqueuer.Stop();
  ASSERT_THAT(CallSizes(sender), ElementsAre(1));
  const std::string id = "mid-" + sender.calls()[0][0].body;
  EXPECT_EQ(outcomes.Get(), (std::map<std::string, std::string>{{"a", id}, {"b", id}, {"c", id}}));
}

TEST(BatchingEnqueuerTest, FailedEntryFailsExactlyItsUploads) {
  FakeQueueSender sender;
  Outcomes outcomes;  // outlives the enqueuer, whose threads write to it
  sender.FailBodyIf([](const std::string& body) { return BodyHolds(body, Upload(3, 50)); });
  auto options = NoLinger(200);  // two uploads a message
  SendBehindAHeldCall(options, &sender, &outcomes, Upload(0, 50), Uploads(1, 7, 50));
  ASSERT_THAT(CallSizes(sender), ElementsAre(1, 3));  // {1, 2}, {3, 4}, {5, 6}
  const auto got = outcomes.Get();
  for (int i = 0; i < 7; ++i) {
    const std::string& outcome = got.at(Upload(i, 50));
    if (i == 3 || i == 4) {
      EXPECT_THAT(outcome, ::testing::StartsWith("error: Unavailable: InternalError")) << i;
    } else {
      EXPECT_THAT(outcome, ::testing::StartsWith("mid-")) << i;
    }
  }
}

TEST(BatchingEnqueuerTest, EntryMissingFromAnswerIsFailed) {
  FakeQueueSender sender;
  Outcomes outcomes;  // outlives the enqueuer, whose threads write to it
  sender.DropBodyIf([](const std::string& body) { return BodyHolds(body, Upload(1, 50)); });
  auto options = NoLinger(200);
  SendBehindAHeldCall(options, &sender, &outcomes, Upload(0, 50), Uploads(1, 5, 50));
  auto got = outcomes.Get();
  EXPECT_THAT(got[Upload(1, 50)], ::testing::StartsWith("error: Unavailable"));
  EXPECT_THAT(got[Upload(2, 50)], ::testing::StartsWith("error: Unavailable"));
  EXPECT_THAT(got[Upload(3, 50)], ::testing::StartsWith("mid-"));
}

TEST(BatchingEnqueuerTest, FailedCallFailsEveryUploadInIt) {
  FakeQueueSender sender;
  Outcomes outcomes;  // outlives the enqueuer, whose threads write to it
  sender.FailCalls(true);
  BatchingEnqueuer enqueuer(LongLinger(), &sender);
  for (std::string u : {"a", "b"}) ASSERT_TRUE(enqueuer.Enqueue(u, outcomes.For(u)).ok());
  enqueuer.Stop();
  for (const auto& [upload, outcome] : outcomes.Get()) {
    EXPECT_THAT(outcome, ::testing::HasSubstr("connection refused")) << upload;
  }
  EXPECT_EQ(outcomes.Get().size(), 2u);
}

TEST(BatchingEnqueuerTest, ABatchIsDueWhenItsUploadsAloneWouldFillACall) {
  FakeQueueSender sender;
  Outcomes outcomes;  // outlives the enqueuer, whose threads write to it
  auto options = LongLinger();
  options.max_batch_bytes = 400;  // an upload of 100 bytes alone: 140 characters
  BatchingEnqueuer enqueuer(options, &sender);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(enqueuer.Enqueue(Upload(i, 100), outcomes.For(Upload(i, 100))).ok());
  }
  // Due without Stop() (the linger is a minute): the first two, packed, fit 400 bytes.
  while (outcomes.Get().size() < 2) std::this_thread::yield();
  EXPECT_THAT(CallSizes(sender), ElementsAre(1));
  enqueuer.Stop();
  EXPECT_EQ(Received(sender).size(), 3u);
}

TEST(BatchingEnqueuerTest, UploadLargerThanOneMessageIsInvalidArgument) {
  FakeQueueSender sender;
  Outcomes outcomes;  // outlives the enqueuer, whose threads write to it
  auto options = LongLinger();
  options.max_batch_bytes = 100;
  BatchingEnqueuer enqueuer(options, &sender);
  // 72 bytes + 3 of prefix = 100 base64 characters: fits; one more byte does not.
  EXPECT_EQ(PackedBodyBytesAlone(72), 100u);
  EXPECT_TRUE(enqueuer.Enqueue(std::string(72, 'x'), outcomes.For("fits")).ok());
  EXPECT_EQ(enqueuer.Enqueue(std::string(73, 'x'), outcomes.For("x")).code(),
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
  EXPECT_THAT(outcomes.Get().at("a"), ::testing::StartsWith("mid-"));
  EXPECT_THAT(Received(sender), ElementsAre("a"));
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
  EXPECT_THAT(outcomes.Get().at("a"), ::testing::StartsWith("mid-"));
}

}  // namespace
}  // namespace roadsense::receiver
