// roadsense-worker as a process, against a real roadsense-queue and PostgreSQL: batches land in
// tile_stats exactly once, a slow batch's visibility is extended (and given up at the cap), poison
// is dead-lettered by the queue's redrive policy without being deleted, SIGTERM exits 0.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <pqxx/connection>
#include <pqxx/transaction>
#include <string>
#include <thread>
#include <vector>

#include "net/http_client.h"
#include "schema/roadsense.pb.h"
#include "sqs/sqs_client.h"
#include "tests/db/database_test.h"
#include "tests/support/child_process.h"
#include "tests/worker/queued_bodies.h"

namespace roadsense::worker {
namespace {

using testing::LegacyBody;
using testing::PackedBody;

using namespace std::chrono_literals;
using roadsense::testing::BinaryPath;
using roadsense::testing::ChildProcess;
using roadsense::testing::DatabaseTest;
using roadsense::testing::FreePort;
using roadsense::testing::TempDir;
using roadsense::testing::WaitForPort;

// Reports from a minute ago: inside the ledger's retention window, so the worker's retention
// pruner (which runs while the test does) never removes their ledger rows.
int64_t RecentTimeMs() {
  static const int64_t kMs = std::chrono::duration_cast<std::chrono::milliseconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count() -
                             60'000;
  return kMs;
}

v1::QueuedBatch Upload(const std::string& pseudonym, uint64_t sequence, int reports) {
  v1::QueuedBatch q;
  auto* batch = q.mutable_batch();
  batch->mutable_envelope()->set_vehicle_pseudonym(pseudonym);
  batch->mutable_envelope()->set_batch_sequence(sequence);
  for (int i = 0; i < reports; ++i) {
    auto* r = batch->add_reports();
    r->set_observed_time_ms(RecentTimeMs() + i * 1000);
    r->mutable_position()->set_lat_e7(481374000 + i * 10000);  // ~110 m apart
    r->mutable_position()->set_lon_e7(115755000);
    r->mutable_position()->set_speed_cms(1000 + i);
    r->mutable_probe();
  }
  return q;
}

// A legacy body: one QueuedBatch, as receivers before packing wrote it.
std::string BatchBody(const std::string& pseudonym, uint64_t sequence, int reports) {
  return LegacyBody(Upload(pseudonym, sequence, reports));
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
    // The reports queue as operators should configure it: poison goes to a DLQ after 2 receives.
    auto dlq = client_->CreateQueue("reports-dlq");
    ASSERT_TRUE(dlq.ok()) << dlq.status().ToString();
    dlq_url_ = *dlq;
    auto arn = client_->GetQueueAttributes(dlq_url_, {"QueueArn"});
    ASSERT_TRUE(arn.ok()) << arn.status().ToString();
    auto url = client_->CreateQueue(
        "reports", {{"RedrivePolicy", "{\"deadLetterTargetArn\":\"" + arn->at("QueueArn") +
                                          "\",\"maxReceiveCount\":\"2\"}"}});
    ASSERT_TRUE(url.ok()) << url.status().ToString();
    queue_url_ = *url;
  }

  // Starts the worker with `extra` flags after the defaults; returns once it serves /metrics
  // (migrations done).
  void StartWorker(const std::vector<std::string>& extra = {}) {
    metrics_port_ = FreePort();
    std::vector<std::string> argv = {BinaryPath("roadsense-worker"),
                                     "--queue-url",
                                     queue_url_,
                                     "--db",
                                     ConnectionString(),
                                     "--wait-seconds",
                                     "1",
                                     "--visibility-timeout",
                                     "5",
                                     "--metrics-listen",
                                     "127.0.0.1:" + std::to_string(metrics_port_)};
    argv.insert(argv.end(), extra.begin(), extra.end());
    worker_.Start(argv, dir_.path() + "/worker.log");
    ASSERT_TRUE(WaitForPort(metrics_port_, 30s)) << Logs();
  }

  // ApproximateNumberOfMessages (visible) of `url`, -1 on error.
  int64_t VisibleMessages(const std::string& url) {
    auto attrs = client_->GetQueueAttributes(url, {"ApproximateNumberOfMessages"});
    return attrs.ok() ? std::stoll(attrs->at("ApproximateNumberOfMessages")) : -1;
  }

  // Waits until some backend of the worker waits for a lock (the test holds it).
  bool WaitForLockWaiter(std::chrono::seconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (QueryValue<int64_t>(
              "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'") > 0) {
        return true;
      }
      std::this_thread::sleep_for(50ms);
    }
    return false;
  }

  // The value of metric `name` in GET /metrics, -1 when absent.
  int64_t Metric(const std::string& name) {
    const std::string text = Metrics();
    const std::string key = "\n" + name + " ";
    const size_t at = text.find(key);
    return at == std::string::npos ? -1 : std::stoll(text.substr(at + key.size()));
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
  std::string queue_url_, dlq_url_;
};

TEST_F(WorkerProcessTest, SentBatchesLandOnce) {
  StartWorker();
  // Batch 1 twice (a receiver retry), batch 2 once: 3 + 4 reports.
  Send({BatchBody("car-aaaaaaaa", 1, 3), BatchBody("car-aaaaaaaa", 1, 3),
        BatchBody("car-bbbbbbbb", 1, 4)});
  ASSERT_TRUE(WaitForEmptyQueue(60s)) << Logs();
  EXPECT_EQ(QueryValue<int64_t>("SELECT sum(reports) FROM tile_stats"), 7) << Logs();
  EXPECT_EQ(QueryValue<int64_t>("SELECT count(*) FROM ingest_ledger"), 2);
  EXPECT_EQ(worker_.Stop(SIGTERM), 0) << Logs();
}

TEST_F(WorkerProcessTest, PackedAndLegacyBodiesLandOnce) {
  StartWorker();
  // Three uploads in one message, one of them again in a legacy message (a car's retry that was
  // stored twice): 3 + 4 + 2 reports.
  Send({PackedBody({Upload("car-aaaaaaaa", 1, 3), Upload("car-bbbbbbbb", 1, 4),
                    Upload("car-cccccccc", 1, 2)}),
        BatchBody("car-bbbbbbbb", 1, 4)});
  ASSERT_TRUE(WaitForEmptyQueue(60s)) << Logs();
  EXPECT_EQ(QueryValue<int64_t>("SELECT sum(reports) FROM tile_stats"), 9) << Logs();
  EXPECT_EQ(QueryValue<int64_t>("SELECT count(*) FROM ingest_ledger"), 3);
  EXPECT_EQ(worker_.Stop(SIGTERM), 0) << Logs();
}

TEST_F(WorkerProcessTest, PoisonIsDeadLetteredNotDeletedAndGoodMessagesCommit) {
  StartWorker({"--poison-backoff-seconds", "1"});
  const std::string poison = "this is not a batch";
  Send({BatchBody("car-aaaaaaaa", 1, 3), poison, BatchBody("car-bbbbbbbb", 1, 4),
        BatchBody("car-cccccccc", 1, 2)});
  // Receive 1 → invisible 1 s; receive 2 → 2 s; the third receive exceeds maxReceiveCount 2 and
  // the queue moves it to the DLQ.
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (VisibleMessages(dlq_url_) != 1 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_EQ(VisibleMessages(dlq_url_), 1) << Logs();
  ASSERT_TRUE(WaitForEmptyQueue(30s)) << Logs();
  sqs::ReceiveOptions receive;
  receive.wait_time_seconds = 0;
  auto dead = client_->ReceiveMessage(dlq_url_, receive);
  ASSERT_TRUE(dead.ok()) << dead.status().ToString();
  ASSERT_EQ(dead->size(), 1u);
  EXPECT_EQ(dead->at(0).body, poison);
  EXPECT_EQ(QueryValue<int64_t>("SELECT sum(reports) FROM tile_stats"), 9) << Logs();
  EXPECT_EQ(Metric("roadsense_worker_batches_committed_total"), 3);
  EXPECT_EQ(Metric("roadsense_worker_messages_deleted_total"), 3);  // only the committed ones
  EXPECT_EQ(Metric("roadsense_worker_poison_messages_total"), 2);   // one per receive
  EXPECT_NE(worker_.ReadLog().find("poison message"), std::string::npos);
}

TEST_F(WorkerProcessTest, SlowCommitKeepsItsMessagesInvisible) {
  StartWorker({"--threads", "1", "--visibility-timeout", "2"});
  // Hold a lock the worker's tile upsert needs: its transaction waits ≥ 5 s, 2.5 timeouts.
  pqxx::connection blocker(ConnectionString());
  pqxx::work lock(blocker);
  lock.exec("LOCK TABLE tile_stats IN SHARE MODE");
  Send({BatchBody("car-aaaaaaaa", 1, 3)});
  ASSERT_TRUE(WaitForLockWaiter(30s)) << Logs();
  int visible_samples = 0;
  for (const auto until = std::chrono::steady_clock::now() + 5s;
       std::chrono::steady_clock::now() < until; std::this_thread::sleep_for(100ms)) {
    if (VisibleMessages(queue_url_) != 0) ++visible_samples;
  }
  lock.abort();
  EXPECT_EQ(visible_samples, 0) << "the held message became visible (redeliverable)";
  ASSERT_TRUE(WaitForEmptyQueue(30s)) << Logs();
  EXPECT_EQ(QueryValue<int64_t>("SELECT sum(reports) FROM tile_stats"), 3) << Logs();
  EXPECT_EQ(Metric("roadsense_worker_messages_received_total"), 1);
  EXPECT_EQ(Metric("roadsense_worker_batches_duplicate_total"), 0);
  EXPECT_GE(Metric("roadsense_worker_visibility_extensions_total"), 2);
  EXPECT_EQ(Metric("roadsense_worker_visibility_extension_failures_total"), 0);
}

TEST_F(WorkerProcessTest, BatchHeldPastMaxHoldIsGivenUpAndCountedOnce) {
  StartWorker({"--threads", "1", "--visibility-timeout", "1", "--max-hold-seconds", "2"});
  pqxx::connection blocker(ConnectionString());
  pqxx::work lock(blocker);
  lock.exec("LOCK TABLE tile_stats IN SHARE MODE");
  Send({BatchBody("car-aaaaaaaa", 1, 3)});
  ASSERT_TRUE(WaitForLockWaiter(30s)) << Logs();
  // Extensions stop at the cap: the message returns to the queue while the commit still waits.
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (VisibleMessages(queue_url_) != 1 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(VisibleMessages(queue_url_), 1) << Logs();
  lock.abort();
  ASSERT_TRUE(WaitForEmptyQueue(30s)) << Logs();
  EXPECT_EQ(QueryValue<int64_t>("SELECT sum(reports) FROM tile_stats"), 3) << Logs();
  EXPECT_GE(Metric("roadsense_worker_batches_given_up_total"), 1);
}

TEST_F(WorkerProcessTest, MetricsCountCommittedDuplicateAndDeletedMessages) {
  StartWorker();
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

// Many small commits: each poll loop receives the next group while a transaction runs and deletes
// the previous group meanwhile. SIGTERM in the middle finishes the groups in hand (prefetched one
// included) and their deletes; a second worker then finds no committed message left (no
// duplicate) and the totals are exact.
TEST_F(WorkerProcessTest, PipelinedGroupsLandOnceAcrossSigterm) {
  constexpr int kMessages = 600;
  for (int sent = 0; sent < kMessages; sent += 10) {
    std::vector<std::string> bodies;
    for (int i = sent; i < sent + 10; ++i) bodies.push_back(BatchBody("car-pipeline", i + 1, 2));
    Send(bodies);
  }
  const std::vector<std::string> small_groups = {"--max-messages-per-commit", "10"};
  StartWorker(small_groups);
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (QueryValue<int64_t>("SELECT count(*) FROM ingest_ledger") == 0 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(5ms);
  }
  ASSERT_EQ(worker_.Stop(SIGTERM), 0) << Logs();
  const int64_t committed = QueryValue<int64_t>("SELECT count(*) FROM ingest_ledger");
  EXPECT_GT(committed, 0);

  StartWorker(small_groups);
  ASSERT_TRUE(WaitForEmptyQueue(60s)) << Logs();
  EXPECT_EQ(QueryValue<int64_t>("SELECT sum(reports) FROM tile_stats"), 2 * kMessages) << Logs();
  EXPECT_EQ(QueryValue<int64_t>("SELECT count(*) FROM ingest_ledger"), kMessages);
  EXPECT_EQ(Metric("roadsense_worker_batches_duplicate_total"), 0) << Logs();
  EXPECT_EQ(Metric("roadsense_worker_messages_deleted_total"), kMessages - committed);
}

// Out-of-range flags stop the worker before it connects anywhere: exit 2, naming the flag.
TEST(WorkerFlagsTest, OutOfRangeValuesAreUsageErrorsNamingTheFlag) {
  TempDir dir;
  const std::vector<std::vector<std::string>> cases = {
      {"--max-mb-per-commit", "0"},       {"--max-mb-per-commit", "1025"},
      {"--max-messages-per-commit", "9"}, {"--queue-calls-in-flight", "17"},
      {"--wait-seconds", "21"},
  };
  for (const auto& flag : cases) {
    ChildProcess worker;
    std::vector<std::string> argv = {BinaryPath("roadsense-worker"), "--queue-url",
                                     "http://127.0.0.1:1/000000000000/reports", "--db",
                                     "host=127.0.0.1 port=1"};
    argv.insert(argv.end(), flag.begin(), flag.end());
    worker.Start(argv, dir.path() + "/worker.log");
    EXPECT_EQ(worker.Wait(10s), 2) << flag[0] << " " << flag[1];
    EXPECT_NE(worker.ReadLog().find(flag[0]), std::string::npos) << worker.ReadLog();
  }
}

}  // namespace
}  // namespace roadsense::worker
