// QueueEngineFixture: a QueueEngine on a temp directory, with synchronous wrappers for the
// asynchronous engine calls, and Reopen() to simulate a restart.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <future>
#include <string>
#include <vector>

#include "queue/queue_engine.h"
#include "tests/support/child_process.h"

namespace roadsense::queue::testing {

class QueueEngineFixture : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }

  virtual QueueEngineOptions Options() { return BaseOptions(); }
  // Keeps no body in memory by default, so every receive reads its bodies back from the log.
  QueueEngineOptions BaseOptions() {
    QueueEngineOptions options{dir_.path()};
    options.body_memory_bytes = body_memory_bytes_;
    // Segments are zero-filled before use and Open waits for the first: 1 MiB keeps a test's
    // start at a millisecond instead of the 64 MiB default's ~50-100 ms.
    options.segment_target_bytes = 1 << 20;
    return options;
  }

  // Small segments and frequent reclamation, so that a test sees segments come and go.
  QueueEngineOptions ReclaimingOptions() {
    QueueEngineOptions options = BaseOptions();
    options.segment_target_bytes = 16 << 10;
    options.reclaim_interval = std::chrono::milliseconds(5);
    return options;
  }

  void Reopen() {
    engine_.reset();
    auto engine = QueueEngine::Open(Options());
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    engine_ = std::move(*engine);
  }

  Status Create(const std::string& name, const QueueAttributeMap& attributes = {}) {
    std::promise<Status> p;
    engine_->CreateQueue(name, attributes, [&](Status s) { p.set_value(s); });
    return p.get_future().get();
  }

  Status SetAttributes(const std::string& name, const QueueAttributeMap& attributes) {
    std::promise<Status> p;
    engine_->SetQueueAttributes(name, attributes, [&](Status s) { p.set_value(s); });
    return p.get_future().get();
  }

  Status Purge(const std::string& name) {
    std::promise<Status> p;
    engine_->PurgeQueue(name, [&](Status s) { p.set_value(s); });
    return p.get_future().get();
  }

  Result<std::vector<SentMessage>> Send(const std::vector<std::string>& bodies,
                                        int delay_seconds = -1, const std::string& queue = "q") {
    std::vector<NewMessage> messages;
    for (const auto& b : bodies) messages.push_back({b, {}, delay_seconds, "me", {}, "", ""});
    std::promise<Result<std::vector<SentMessage>>> p;
    engine_->SendMessages(queue, std::move(messages), [&](auto r) { p.set_value(std::move(r)); });
    return p.get_future().get();
  }

  std::vector<ReceivedMessage> Receive(int max, int visibility_timeout = -1, int wait = 0,
                                       const std::string& queue = "q") {
    std::promise<Result<std::vector<ReceivedMessage>>> p;
    engine_->ReceiveMessages(queue, {max, visibility_timeout, wait, ""},
                             [&](auto r) { p.set_value(std::move(r)); });
    auto r = p.get_future().get();
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : std::vector<ReceivedMessage>();
  }

  Status Delete(const ReceivedMessage& m, const std::string& queue = "q") {
    std::promise<std::vector<Status>> p;
    engine_->DeleteMessages(queue, {m.receipt.Encode()}, [&](auto s) { p.set_value(s); });
    return p.get_future().get().front();
  }

  std::string Attribute(const std::string& name, const std::string& queue = "q") {
    auto all = engine_->GetQueueAttributes(queue);
    EXPECT_TRUE(all.ok());
    return all.ok() ? all->at(name) : "";
  }

  static std::vector<std::string> BodiesOf(const std::vector<ReceivedMessage>& received) {
    std::vector<std::string> bodies;
    for (const auto& r : received) bodies.emplace_back(r.body());
    std::sort(bodies.begin(), bodies.end());
    return bodies;
  }

  roadsense::testing::TempDir dir_;
  uint64_t body_memory_bytes_ = 0;
  std::unique_ptr<QueueEngine> engine_;
};

}  // namespace roadsense::queue::testing
