// roadsense-worker as a process, against a real roadsense-queue and PostgreSQL: batches land in
// tile_stats exactly once, poison is deleted, SIGTERM exits 0.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <pqxx/connection>
#include <pqxx/transaction>
#include <thread>

#include "core/base64.h"
#include "net/http_client.h"
#include "schema/roadsense.pb.h"
#include "sqs/sqs_client.h"
#include "tests/db/database_test.h"
#include "tests/support/child_process.h"

namespace roadsense::worker {
namespace {

using namespace std::chrono_literals;
using roadsense::testing::BinaryPath;
using roadsense::testing::ChildProcess;
using roadsense::testing::DatabaseTest;
using roadsense::testing::FreePort;
using roadsense::testing::TempDir;
using roadsense::testing::WaitForPort;

std::string BatchBody(const std::string& pseudonym, uint64_t sequence, int reports) {
  v1::QueuedBatch q;
  auto* batch = q.mutable_batch();
  batch->mutable_envelope()->set_vehicle_pseudonym(pseudonym);
  batch->mutable_envelope()->set_batch_sequence(sequence);
  for (int i = 0; i < reports; ++i) {
    auto* r = batch->add_reports();
    r->set_observed_time_ms(1'700'000'100'000 + i * 1000);
    r->mutable_position()->set_lat_e7(481374000 + i * 10000);  // ~110 m apart
    r->mutable_position()->set_lon_e7(115755000);
    r->mutable_position()->set_speed_cms(1000 + i);
    r->mutable_probe();
  }
  return Base64Encode(q.SerializeAsString());
}

class WorkerProcessTest : public DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    const int port = FreePort();
    queue_.Start({BinaryPath("roadsense-queue"), "--listen", "127.0.0.1:" + std::to_string(port),
                  "--data-dir", dir_.path() + "/queue"},
                 dir_.path() + "/queue.log");
    ASSERT_TRUE(WaitForPort(port, 10s)) << queue_.ReadLog();
    auto options = sqs::SqsClientOptions{};
    options.endpoint = "http://127.0.0.1:" + std::to_string(port);
    client_ = std::make_unique<sqs::SqsClient>(options);
    auto url = client_->CreateQueue("reports");
    ASSERT_TRUE(url.ok()) << url.status().ToString();
    queue_url_ = *url;
    metrics_port_ = FreePort();
    worker_.Start({BinaryPath("roadsense-worker"), "--queue-url", queue_url_, "--db",
                   ConnectionString(), "--wait-seconds", "1", "--visibility-timeout", "5",
                   "--metrics-listen", "127.0.0.1:" + std::to_string(metrics_port_)},
                  dir_.path() + "/worker.log");
  }

  void Send(const std::vector<std::string>& bodies) {
    std::vector<sqs::SendEntry> entries;
    for (size_t i = 0; i < bodies.size(); ++i)
      entries.push_back({"e" + std::to_string(i), bodies[i]});
    auto sent = client_->SendMessageBatch(queue_url_, entries);
    ASSERT_TRUE(sent.ok()) << sent.status().ToString();
    ASSERT_TRUE(sent->failed.empty());
  }

  // Polls until the queue holds no message at all (visible or in flight).
  bool WaitForEmptyQueue(std::chrono::seconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      auto attrs = client_->GetQueueAttributes(queue_url_);
      if (attrs.ok() && attrs->at("ApproximateNumberOfMessages") == "0" &&
          attrs->at("ApproximateNumberOfMessagesNotVisible") == "0") {
        return true;
      }
      std::this_thread::sleep_for(50ms);
    }
    return false;
  }

  std::string Logs() {
    return "--- worker\n" + worker_.ReadLog() + "--- queue\n" + queue_.ReadLog();
  }

  // GET /metrics of the worker; "" on failure.
  std::string Metrics() {
    if (!WaitForPort(metrics_port_, 10s)) return "";
    net::HttpClient http("127.0.0.1", static_cast<uint16_t>(metrics_port_));
    net::HttpRequest request;
    request.method = "GET";
    request.target = "/metrics";
    auto response = http.RoundTrip(request, 5s);
    return response.ok() && response->status == 200 ? response->body : "";
  }

  TempDir dir_;
  int metrics_port_ = 0;
  ChildProcess queue_, worker_;
  std::unique_ptr<sqs::SqsClient> client_;
  std::string queue_url_;
};

TEST_F(WorkerProcessTest, SentBatchesLandOnceAndPoisonIsDeleted) {
  // Batch 1 twice (a receiver retry), batch 2 once, one poison message: 3 + 4 reports.
  Send({BatchBody("car-aaaaaaaa", 1, 3), BatchBody("car-aaaaaaaa", 1, 3),
        BatchBody("car-bbbbbbbb", 1, 4), "this is not a batch"});
  ASSERT_TRUE(WaitForEmptyQueue(60s)) << Logs();
  EXPECT_EQ(QueryValue<int64_t>("SELECT sum(reports) FROM tile_stats"), 7) << Logs();
  EXPECT_EQ(QueryValue<int64_t>("SELECT count(*) FROM ingest_ledger"), 2);
  EXPECT_EQ(worker_.Stop(SIGTERM), 0) << Logs();
  EXPECT_NE(worker_.ReadLog().find("poison"), std::string::npos);
}

TEST_F(WorkerProcessTest, MetricsCountCommittedDuplicateAndDeletedMessages) {
  Send({BatchBody("car-cccccccc", 1, 2), BatchBody("car-cccccccc", 1, 2),
        BatchBody("car-dddddddd", 1, 5)});
  ASSERT_TRUE(WaitForEmptyQueue(60s)) << Logs();
  const std::string metrics = Metrics();
  EXPECT_NE(metrics.find("\nroadsense_worker_batches_committed_total 2\n"), std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("\nroadsense_worker_batches_duplicate_total 1\n"), std::string::npos);
  EXPECT_NE(metrics.find("\nroadsense_worker_reports_total 7\n"), std::string::npos);
  EXPECT_NE(metrics.find("\nroadsense_worker_messages_deleted_total 3\n"), std::string::npos);
}

}  // namespace
}  // namespace roadsense::worker
