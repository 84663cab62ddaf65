// Message bodies that live only in the write-ahead log (MessageBody, WalBodyReader): bodies come
// back exact from the log after sends, restarts, copy-forward and dead-letter moves; the memory
// budget holds; a damaged record fails the receive instead of answering a wrong body.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <future>
#include <set>
#include <thread>

#include "queue/wal_segment_name.h"
#include "tests/queue/queue_engine_fixture.h"

namespace roadsense::queue {
namespace {

// Small segments and frequent reclamation; no body kept in memory unless a test says so.
class MessageBodyTest : public testing::QueueEngineFixture {
 protected:
  QueueEngineOptions Options() override { return ReclaimingOptions(); }

  // Distinct bodies of assorted sizes (1 byte .. 3 KiB).
  static std::vector<std::string> Bodies(int n, const std::string& prefix) {
    std::vector<std::string> bodies;
    for (int i = 0; i < n; ++i) {
      bodies.push_back(prefix + std::to_string(i) + std::string((i * 397) % 3000, 'a' + i % 26));
    }
    return bodies;
  }

  std::vector<std::string> ReceiveAll(const std::string& queue = "q") {
    std::vector<std::string> bodies;
    for (;;) {
      auto got = Receive(10, 3600, 0, queue);
      if (got.empty()) break;
      for (const auto& r : got) bodies.emplace_back(r.body());
    }
    std::sort(bodies.begin(), bodies.end());
    return bodies;
  }

  Result<std::vector<ReceivedMessage>> TryReceive(int visibility_timeout) {
    std::promise<Result<std::vector<ReceivedMessage>>> p;
    engine_->ReceiveMessages("q", {1, visibility_timeout, 0, ""},
                             [&](auto r) { p.set_value(std::move(r)); });
    return p.get_future().get();
  }

  static std::vector<std::string> Sorted(std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    return v;
  }
};

TEST_F(MessageBodyTest, SpilledBodiesComeBackExactFromTheLog) {
  ASSERT_TRUE(Create("q").ok());
  const auto bodies = Bodies(30, "s");
  ASSERT_TRUE(Send(bodies).ok());
  EXPECT_EQ(engine_->stats().body_bytes_in_memory, 0u);
  EXPECT_EQ(ReceiveAll(), Sorted(bodies));
  EXPECT_GE(engine_->stats().body_reads, bodies.size());
}

TEST_F(MessageBodyTest, SpilledFifoBodiesComeBackInOrder) {
  ASSERT_TRUE(Create("q.fifo", {{"FifoQueue", "true"}}).ok());
  const auto bodies = Bodies(12, "f");
  std::vector<NewMessage> messages;
  for (const auto& b : bodies) messages.push_back({b, {}, -1, "me", {}, "g", "d" + b.substr(0, 4)});
  std::promise<Result<std::vector<SentMessage>>> p;
  engine_->SendMessages("q.fifo", std::move(messages), [&](auto r) { p.set_value(std::move(r)); });
  ASSERT_TRUE(p.get_future().get().ok());
  std::vector<std::string> got;
  for (;;) {
    auto r = Receive(10, 3600, 0, "q.fifo");
    if (r.empty()) break;
    for (const auto& m : r) {
      got.emplace_back(m.body());
      ASSERT_TRUE(Delete(m, "q.fifo").ok());
    }
  }
  EXPECT_EQ(got, bodies);
}

TEST_F(MessageBodyTest, BudgetKeepsTheFirstBodiesAndGivesMemoryBackOnDelete) {
  body_memory_bytes_ = 3000;
  Reopen();
  ASSERT_TRUE(Create("q").ok());
  std::vector<std::string> bodies;
  for (int i = 0; i < 10; ++i) bodies.push_back(std::to_string(i) + std::string(999, 'k'));
  ASSERT_TRUE(Send(bodies).ok());
  EXPECT_EQ(engine_->stats().body_bytes_in_memory, 3000u);
  std::vector<std::string> got;
  for (;;) {
    auto r = Receive(10, 3600);
    if (r.empty()) break;
    for (const auto& m : r) {
      got.emplace_back(m.body());
      ASSERT_TRUE(Delete(m).ok());
    }
  }
  EXPECT_EQ(Sorted(got), bodies);
  EXPECT_EQ(engine_->stats().body_reads, 7u);  // the three kept were answered from memory
  EXPECT_EQ(engine_->stats().body_bytes_in_memory, 0u);
}

TEST_F(MessageBodyTest, RestartWithBacklogReturnsEveryBodyWithoutLoadingThem) {
  ASSERT_TRUE(Create("q").ok());
  std::vector<std::string> all;
  for (int i = 0; i < 10; ++i) {
    auto batch = Bodies(10, "r" + std::to_string(i) + "-");
    ASSERT_TRUE(Send(batch).ok());
    all.insert(all.end(), batch.begin(), batch.end());
  }
  Reopen();
  EXPECT_EQ(engine_->stats().body_bytes_in_memory, 0u);
  EXPECT_EQ(ReceiveAll(), Sorted(all));
}

TEST_F(MessageBodyTest, CopyForwardRelocatesSpilledMessageBeforeItsSegmentGoes) {
  ASSERT_TRUE(Create("q").ok());
  const std::string keeper = "keeper" + std::string(2000, 'k');
  ASSERT_TRUE(Send({keeper}).ok());
  auto first = Receive(1, 0);  // visible again at once
  ASSERT_EQ(first.size(), 1u);
  const WalLocation original = first[0].message->body.location();
  ASSERT_TRUE(original.known());
  const std::string original_path = dir_.path() + "/" + WalSegmentName(original.segment);
  std::string keeper_receipt;
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(Send(Bodies(10, "m" + std::to_string(i) + "-")).ok());
    for (;;) {
      auto got = Receive(10, 3600);
      if (got.empty()) break;
      for (const auto& m : got) {
        if (m.body() == keeper) {
          keeper_receipt = m.receipt.Encode();  // stays in flight meanwhile
        } else {
          ASSERT_TRUE(Delete(m).ok());
        }
      }
    }
  }
  for (int i = 0; i < 400 && std::filesystem::exists(original_path); ++i) {
    ASSERT_TRUE(SetAttributes("q", {{"DelaySeconds", "0"}}).ok());  // a commit: maintenance runs
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_FALSE(std::filesystem::exists(original_path));
  ASSERT_TRUE(engine_->ChangeMessageVisibility("q", keeper_receipt, 0).ok());
  auto after = Receive(1, 0);
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0].body(), keeper);
  // Reclamation deletes only segments no live message lies in.
  const WalLocation moved = after[0].message->body.location();
  EXPECT_GT(moved.sequence, original.sequence);
  EXPECT_TRUE(std::filesystem::exists(dir_.path() + "/" + WalSegmentName(moved.segment)));
  Reopen();
  auto replayed = Receive(1, 0);
  ASSERT_EQ(replayed.size(), 1u);
  EXPECT_EQ(replayed[0].body(), keeper);  // read back from where replay says the body lies
  // Replay learns the copy's location — or a later copy's: maintenance keeps running until
  // Reopen and may carry the message forward again. Never the reclaimed original.
  const WalLocation relearned = replayed[0].message->body.location();
  EXPECT_GE(relearned.sequence, moved.sequence);
  EXPECT_TRUE(std::filesystem::exists(dir_.path() + "/" + WalSegmentName(relearned.segment)));
}

TEST_F(MessageBodyTest, DeadLetterMoveOfSpilledMessageKeepsItsBody) {
  ASSERT_TRUE(Create("dlq").ok());
  ASSERT_TRUE(Create("q", {{"RedrivePolicy",
                            R"({"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:dlq",)"
                            R"("maxReceiveCount":1})"}})
                  .ok());
  const std::string poison = "poison" + std::string(1500, 'p');
  ASSERT_TRUE(Send({poison}).ok());
  ASSERT_EQ(Receive(1, 0).size(), 1u);
  EXPECT_TRUE(Receive(1, 0).empty());  // moves it
  auto dead = Receive(1, 0, /*wait=*/5, "dlq");
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].body(), poison);
  Reopen();
  auto replayed = Receive(1, 0, 0, "dlq");
  ASSERT_EQ(replayed.size(), 1u);
  EXPECT_EQ(replayed[0].body(), poison);
}

TEST_F(MessageBodyTest, DamagedRecordFailsTheReceiveNotTheMessage) {
  ASSERT_TRUE(Create("q").ok());
  ASSERT_TRUE(Send({"the right body"}).ok());
  auto first = Receive(1, 0);
  ASSERT_EQ(first.size(), 1u);
  const WalLocation where = first[0].message->body.location();
  const std::string path = dir_.path() + "/" + WalSegmentName(where.segment);
  const off_t at = where.offset + where.length - 3;  // inside the body
  const int fd = ::open(path.c_str(), O_RDWR);
  ASSERT_GE(fd, 0);
  char c = 0;
  ASSERT_EQ(::pread(fd, &c, 1, at), 1);
  const char flipped = static_cast<char>(c ^ 0x20);
  ASSERT_EQ(::pwrite(fd, &flipped, 1, at), 1);

  auto damaged = TryReceive(0);
  ASSERT_FALSE(damaged.ok());  // an error, never a wrong body
  EXPECT_EQ(damaged.status().code(), StatusCode::kInternal);
  EXPECT_NE(damaged.status().message().find("checksum"), std::string::npos)
      << damaged.status().ToString();

  ASSERT_EQ(::pwrite(fd, &c, 1, at), 1);  // repaired: the message was not lost
  ::close(fd);
  auto again = TryReceive(0);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  ASSERT_EQ(again->size(), 1u);
  EXPECT_EQ((*again)[0].body(), "the right body");
}

// Receives read bodies back while reclamation copies the few long-lived messages forward and
// deletes the segments they lay in: every receive succeeds with the exact body.
TEST_F(MessageBodyTest, ConcurrentReceivesReadBodiesWhileReclamationMovesThem) {
  ASSERT_TRUE(Create("q").ok());
  std::vector<std::string> keepers;
  for (int i = 0; i < 20; ++i)
    keepers.push_back("keep" + std::to_string(i) + std::string(700, 'k'));
  ASSERT_TRUE(Send({keepers.begin(), keepers.begin() + 10}).ok());
  ASSERT_TRUE(Send({keepers.begin() + 10, keepers.end()}).ok());
  const std::set<std::string> keeper_set(keepers.begin(), keepers.end());
  std::atomic<bool> stop{false};
  std::atomic<int> errors{0}, keeper_reads{0};
  auto receive = [&](int visibility) {
    std::promise<Result<std::vector<ReceivedMessage>>> p;
    engine_->ReceiveMessages("q", {10, visibility, 0, ""},
                             [&](auto r) { p.set_value(std::move(r)); });
    auto r = p.get_future().get();
    if (!r.ok()) ++errors;
    return r.ok() ? *r : std::vector<ReceivedMessage>();
  };
  std::vector<std::thread> threads;
  threads.emplace_back([&] {  // keeps reading the long-lived messages (visible again at once)
    while (!stop) {
      for (const auto& m : receive(0)) {
        if (keeper_set.contains(std::string(m.body()))) {
          ++keeper_reads;
        } else if (!m.body().starts_with("flood")) {
          ++errors;  // a body that was never sent
        }
      }
    }
  });
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {  // floods the log so that segments roll and get reclaimed
      for (int i = 0; !stop; ++i) {
        std::vector<std::string> bodies;
        for (int k = 0; k < 10; ++k) {
          bodies.push_back("flood" + std::to_string(t) + "-" + std::to_string(i) + "-" +
                           std::to_string(k) + std::string(900, 'f'));
        }
        if (!Send(bodies).ok()) ++errors;
        for (const auto& m : receive(30)) {
          if (keeper_set.contains(std::string(m.body()))) {
            if (!engine_->ChangeMessageVisibility("q", m.receipt.Encode(), 0).ok()) ++errors;
          } else if (m.body().starts_with("flood")) {
            if (!Delete(m).ok()) ++errors;
          } else {
            ++errors;
          }
        }
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  stop = true;
  for (auto& t : threads) t.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_GT(keeper_reads.load(), 0);

  Reopen();  // every keeper is still there, with its body
  std::set<std::string> after;
  for (;;) {
    auto got = Receive(10, 3600);
    if (got.empty()) break;
    for (const auto& m : got) {
      if (keeper_set.contains(std::string(m.body()))) after.emplace(m.body());
    }
  }
  EXPECT_EQ(after, keeper_set);
}

}  // namespace
}  // namespace roadsense::queue
