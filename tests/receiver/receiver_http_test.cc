// ReportHandler behind a real net::HttpServer (port 0), with a fake queue: checks that answers
// given asynchronously from the enqueuer's sender threads reach the client, and that uploads on
// parallel connections are coalesced (and packed).
#include <gtest/gtest.h>

#include <thread>

#include "net/http_client.h"
#include "net/http_server.h"
#include "receiver/report_handler.h"
#include "tests/receiver/fake_queue_sender.h"
#include "tests/receiver/packed_body.h"
#include "tests/receiver/test_batches.h"

namespace roadsense::receiver {
namespace {

using testing::FakeQueueSender;
using testing::kNowMs;
using testing::UnpackBody;
using testing::ValidBatch;

class ReceiverHttpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    BatchingEnqueuerOptions eo;
    eo.sender_threads = 2;
    enqueuer_ = std::make_unique<BatchingEnqueuer>(eo, &sender_);
    handler_ = std::make_unique<ReportHandler>(ReportHandlerOptions{}, enqueuer_.get(), &stats_,
                                               [] { return kNowMs; });
    net::HttpServerOptions so;
    so.listen = "127.0.0.1:0";
    so.threads = 2;
    server_ =
        std::make_unique<net::HttpServer>(so, [this](net::HttpRequest&& req, net::Responder res) {
          handler_->Handle(std::move(req), std::move(res));
        });
    ASSERT_TRUE(server_->Start().ok());
  }
  void TearDown() override {
    server_->Stop();
    enqueuer_->Stop();
  }

  net::HttpResponse Upload(net::HttpClient& client, uint64_t sequence) {
    auto batch = ValidBatch();
    batch.mutable_envelope()->set_batch_sequence(sequence);
    net::HttpRequest req;
    req.method = "POST";
    req.target = "/v1/reports";
    req.headers = {{"Content-Type", "application/x-protobuf"}};
    req.body = batch.SerializeAsString();
    auto r = client.RoundTrip(req, std::chrono::seconds(30));
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : net::HttpResponse{};
  }

  FakeQueueSender sender_;
  ReceiverStats stats_;
  std::unique_ptr<BatchingEnqueuer> enqueuer_;
  std::unique_ptr<ReportHandler> handler_;
  std::unique_ptr<net::HttpServer> server_;
};

TEST_F(ReceiverHttpTest, UploadIsAcknowledgedOverHttpAfterEnqueue) {
  net::HttpClient client("127.0.0.1", server_->port());
  auto r = Upload(client, 1);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(sender_.calls().size(), 1u);
}

TEST_F(ReceiverHttpTest, ParallelUploadsEachGetTheirAnswer) {
  constexpr int kClients = 8;
  constexpr int kUploadsEach = 10;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int c = 0; c < kClients; ++c) {
    threads.emplace_back([&, c] {
      net::HttpClient client("127.0.0.1", server_->port());
      for (int i = 0; i < kUploadsEach; ++i) {
        auto r = Upload(client, static_cast<uint64_t>(c * 100 + i + 1));
        if (r.status == 200 && r.body.find("\"batch_sequence\":" +
                                           std::to_string(c * 100 + i + 1)) != std::string::npos) {
          ++ok;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), kClients * kUploadsEach);
  // Every upload was sent exactly once (packed into the messages of calls of at most 10).
  size_t uploads = 0;
  for (const auto& call : sender_.calls()) {
    EXPECT_LE(call.size(), 10u);
    for (const sqs::SendEntry& e : call) {
      auto packed = UnpackBody(e.body);
      ASSERT_TRUE(packed.has_value());
      uploads += packed->size();
    }
  }
  EXPECT_EQ(uploads, static_cast<size_t>(kClients * kUploadsEach));
}

}  // namespace
}  // namespace roadsense::receiver
