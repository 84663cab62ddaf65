// The real roadsense-receiver process against the real roadsense-queue: a queue outage (kill -9
// mid-run, restart on the same port and data directory), graceful shutdown on SIGTERM, and keys
// reloaded on SIGHUP, HTTPS (--tls-cert/--tls-key), and the server's own rejections in
// /metrics. The invariant checked throughout: every upload answered 200 is in the queue.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>

#include "core/base64.h"
#include "core/digest.h"
#include "net/http_client.h"
#include "receiver/report_handler.h"
#include "sqs/sqs_client.h"
#include "tests/receiver/test_batches.h"
#include "tests/support/child_process.h"
#include "tests/support/tls_test_certificate.h"

namespace roadsense::receiver {
namespace {

using roadsense::testing::BinaryPath;
using roadsense::testing::ChildProcess;
using roadsense::testing::TempDir;
using ::testing::HasSubstr;
using Clock = std::chrono::steady_clock;

// (vehicle_pseudonym, batch_sequence): the idempotency key of an upload.
using UploadKey = std::pair<std::string, uint64_t>;

// ValidBatch() moved to the present, for `fleet`, with the given key.
v1::ReportBatch FreshBatch(const std::string& fleet, const UploadKey& key) {
  v1::ReportBatch b = testing::ValidBatch();
  const int64_t shift = SystemNowMs() - testing::kNowMs;
  b.mutable_envelope()->set_vehicle_pseudonym(key.first);
  b.mutable_envelope()->set_batch_sequence(key.second);
  b.mutable_envelope()->set_sent_time_ms(b.envelope().sent_time_ms() + shift);
  b.mutable_envelope()->set_fleet_id(fleet);
  for (auto& r : *b.mutable_reports()) r.set_observed_time_ms(r.observed_time_ms() + shift);
  return b;
}

class ReceiverProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    WriteKeys("acme " + Sha256Hex("acme-key") + "\n");
    StartQueue();
    std::vector<std::string> argv = {BinaryPath("roadsense-receiver"),
                                     "--listen",
                                     "127.0.0.1:" + std::to_string(receiver_port_),
                                     "--queue-url",
                                     queue_url_,
                                     "--threads",
                                     "2",
                                     "--sender-threads",
                                     "2",
                                     "--linger-ms",
                                     "1",
                                     "--ready-check-ms",
                                     "50",
                                     "--keys-file",
                                     keys_path_,
                                     "--log-level",
                                     "info"};
    for (std::string& flag : ExtraReceiverFlags()) argv.push_back(std::move(flag));
    receiver_.Start(argv, dir_.path() + "/receiver.log");
    ASSERT_TRUE(roadsense::testing::WaitForPort(receiver_port_, std::chrono::seconds(10)))
        << receiver_.ReadLog();
    ASSERT_TRUE(AwaitReadyz(200)) << receiver_.ReadLog();
  }

  // More roadsense-receiver / roadsense-queue flags (subclasses).
  virtual std::vector<std::string> ExtraReceiverFlags() { return {}; }
  virtual std::vector<std::string> ExtraQueueFlags() { return {}; }

  // A client of the receiver: plain HTTP here, HTTPS in ReceiverOverTlsTest.
  virtual std::unique_ptr<net::HttpClient> ReceiverClient() {
    return std::make_unique<net::HttpClient>("127.0.0.1", static_cast<uint16_t>(receiver_port_));
  }

  void WriteKeys(const std::string& text) {
    std::ofstream out(keys_path_, std::ios::trunc);
    out << text;
  }

  void StartQueue() {
    queue_ = std::make_unique<ChildProcess>();
    std::vector<std::string> argv = {BinaryPath("roadsense-queue"),
                                     "--listen",
                                     "127.0.0.1:" + std::to_string(queue_port_),
                                     "--data-dir",
                                     dir_.path() + "/queue-data",
                                     "--log-level",
                                     "warn"};
    for (std::string& flag : ExtraQueueFlags()) argv.push_back(std::move(flag));
    queue_->Start(argv, dir_.path() + "/queue.log");
    ASSERT_TRUE(roadsense::testing::WaitForPort(queue_port_, std::chrono::seconds(10)))
        << queue_->ReadLog();
  }

  net::HttpResponse Get(const std::string& target) {
    net::HttpRequest req;
    req.method = "GET";
    req.target = target;
    auto r = ReceiverClient()->RoundTrip(req, std::chrono::seconds(5));
    return r.ok() ? *r : net::HttpResponse{0, {}, r.status().ToString()};
  }

  // Polls GET /readyz until it answers `status` (10 s at most).
  bool AwaitReadyz(int status) {
    const auto deadline = Clock::now() + std::chrono::seconds(10);
    while (Clock::now() < deadline) {
      if (Get("/readyz").status == status) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

  static net::HttpResponse Upload(net::HttpClient& client, const std::string& authorization,
                                  const v1::ReportBatch& batch) {
    net::HttpRequest req;
    req.method = "POST";
    req.target = "/v1/reports";
    req.headers = {{"Content-Type", "application/x-protobuf"}, {"Authorization", authorization}};
    req.body = batch.SerializeAsString();
    auto r = client.RoundTrip(req, std::chrono::seconds(15));
    return r.ok() ? *r : net::HttpResponse{0, {}, r.status().ToString()};
  }

  // Every upload key in the queue (receives everything, leaving it invisible for 10 minutes).
  std::multiset<UploadKey> KeysInQueue() {
    sqs::SqsClientOptions options = *sqs::SqsClientOptions::ForQueueUrl(queue_url_);
    sqs::SqsClient client(options);
    sqs::ReceiveOptions receive;
    receive.wait_time_seconds = 0;
    receive.visibility_timeout = 600;
    std::multiset<UploadKey> keys;
    for (int empty = 0; empty < 2;) {
      auto got = client.ReceiveMessage(queue_url_, receive);
      EXPECT_TRUE(got.ok()) << got.status().ToString();
      if (!got.ok()) break;
      empty = got->empty() ? empty + 1 : 0;
      for (const auto& m : *got) {
        // A packed body: the uploads that waited together for a send.
        v1::QueuedUploads packed;
        auto bytes = Base64Decode(m.body);
        EXPECT_TRUE(bytes && packed.ParseFromString(*bytes));
        EXPECT_GE(packed.uploads_size(), 1);
        for (const v1::QueuedBatch& queued : packed.uploads()) {
          EXPECT_EQ(queued.fleet_id(), "acme");
          keys.emplace(queued.batch().envelope().vehicle_pseudonym(),
                       queued.batch().envelope().batch_sequence());
        }
      }
    }
    return keys;
  }

  // Car-like clients: each sends uploads one after another and retries an upload (same bytes)
  // after a 503 or a transport error, as roadsense-sim does. Records what was acknowledged.
  class Fleet {
   public:
    Fleet(int port, int cars) {
      for (int c = 0; c < cars; ++c) {
        threads_.emplace_back([this, port, c] { Drive(port, c); });
      }
    }
    ~Fleet() { Park(); }
    // Stops issuing new uploads; waits until every started upload was acknowledged (retrying
    // through the outage, 60 s at most), or, with `give_up`, until each car's current attempt
    // ended.
    void Park(bool give_up = false) {
      if (give_up) give_up_ = true;
      stop_ = true;
      for (auto& t : threads_) {
        if (t.joinable()) t.join();
      }
    }
    size_t acked() {
      std::lock_guard lock(mu_);
      return acked_.size();
    }
    std::set<UploadKey> acked_keys() {
      std::lock_guard lock(mu_);
      return acked_;
    }
    std::atomic<int> issued{0};
    std::atomic<int> unacked{0};      // uploads given up on (deadline)
    std::atomic<int> unavailable{0};  // 503 answers
    std::atomic<int> missing_retry_after{0};
    std::atomic<int> unexpected{0};  // any other status
    std::atomic<int> transport_errors{0};

   private:
    void Drive(int port, int car) {
      net::HttpClient client("127.0.0.1", static_cast<uint16_t>(port));
      const std::string pseudonym = "car_" + std::to_string(car) + "-outage";
      for (uint64_t seq = 1; !stop_; ++seq) {
        const UploadKey key{pseudonym, seq};
        const v1::ReportBatch batch = FreshBatch("acme", key);
        ++issued;
        const auto deadline = Clock::now() + std::chrono::seconds(60);
        for (;;) {
          net::HttpResponse r = Upload(client, "Bearer acme:acme-key", batch);
          if (r.status == 200) {
            std::lock_guard lock(mu_);
            acked_.insert(key);
            break;
          }
          if (r.status == 503) {
            ++unavailable;
            if (r.Header("Retry-After").empty()) ++missing_retry_after;
          } else if (r.status == 0) {
            ++transport_errors;
          } else {
            ++unexpected;
            ADD_FAILURE() << r.status << " " << r.body;
          }
          if (Clock::now() > deadline || give_up_) {
            ++unacked;
            break;
          }
          std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
      }
    }

    std::atomic<bool> stop_{false};
    std::atomic<bool> give_up_{false};
    std::mutex mu_;
    std::set<UploadKey> acked_;
    std::vector<std::thread> threads_;
  };

  // Waits until `fleet` has at least `n` acknowledged uploads (20 s at most).
  static bool AwaitAcked(Fleet& fleet, size_t n) {
    const auto deadline = Clock::now() + std::chrono::seconds(20);
    while (fleet.acked() < n && Clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return fleet.acked() >= n;
  }

  TempDir dir_;
  std::string keys_path_ = dir_.path() + "/keys";
  int queue_port_ = roadsense::testing::FreePort();
  int receiver_port_ = roadsense::testing::FreePort();
  std::string queue_url_ =
      "http://127.0.0.1:" + std::to_string(queue_port_) + "/000000000000/receiver-process";
  std::unique_ptr<ChildProcess> queue_;
  ChildProcess receiver_;
};

TEST_F(ReceiverProcessTest, QueueOutageGetsNo2xxAndTheReceiverRecoversByItself) {
  Fleet fleet(receiver_port_, 4);
  ASSERT_TRUE(AwaitAcked(fleet, 40));

  queue_->Stop(SIGKILL);
  const size_t acked_at_kill = fleet.acked();
  ASSERT_TRUE(AwaitReadyz(503)) << "readyz never noticed the outage";
  // While the queue is down, uploads get 503 + Retry-After and nothing is acknowledged.
  const int unavailable_before = fleet.unavailable.load();
  const auto until = Clock::now() + std::chrono::seconds(5);
  while (fleet.unavailable.load() < unavailable_before + 20 && Clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_GE(fleet.unavailable.load(), unavailable_before + 20);
  // Uploads whose SendMessageBatch was stored just before the kill may still be acknowledged;
  // allow for the in-flight ones (4 cars: at most 4).
  EXPECT_LE(fleet.acked(), acked_at_kill + 4);
  EXPECT_THAT(Get("/metrics").body, HasSubstr("roadsense_receiver_ready 0\n"));

  StartQueue();
  ASSERT_TRUE(AwaitReadyz(200)) << receiver_.ReadLog();
  ASSERT_TRUE(AwaitAcked(fleet, fleet.acked() + 40)) << receiver_.ReadLog();
  fleet.Park();

  EXPECT_EQ(fleet.unacked.load(), 0);
  EXPECT_EQ(fleet.unexpected.load(), 0);
  EXPECT_EQ(fleet.missing_retry_after.load(), 0);
  const std::set<UploadKey> acked = fleet.acked_keys();
  EXPECT_EQ(acked.size(), static_cast<size_t>(fleet.issued.load()));
  const std::multiset<UploadKey> in_queue = KeysInQueue();
  for (const UploadKey& key : acked) {
    EXPECT_EQ(in_queue.count(key) > 0, true) << key.first << "#" << key.second << " acked, lost";
  }
  // Nothing in the queue that no car sent (the set of distinct keys equals the uploads).
  EXPECT_EQ(std::set<UploadKey>(in_queue.begin(), in_queue.end()), acked);
}

TEST_F(ReceiverProcessTest, SigtermDrainsInFlightUploadsAndExitsZero) {
  Fleet fleet(receiver_port_, 4);
  ASSERT_TRUE(AwaitAcked(fleet, 20));
  EXPECT_EQ(receiver_.Stop(SIGTERM, std::chrono::seconds(20)), 0) << receiver_.ReadLog();
  EXPECT_FALSE(roadsense::testing::WaitForPort(receiver_port_, std::chrono::milliseconds(100)));
  // The cars cannot finish now (the port is closed): let them give up.
  fleet.Park(/*give_up=*/true);
  EXPECT_EQ(fleet.unexpected.load(), 0);
  const std::set<UploadKey> acked = fleet.acked_keys();
  const std::multiset<UploadKey> in_queue = KeysInQueue();
  for (const UploadKey& key : acked) {
    EXPECT_GT(in_queue.count(key), 0u) << key.first << "#" << key.second << " acked, lost";
  }
  EXPECT_THAT(receiver_.ReadLog(), HasSubstr("draining"));
}

TEST_F(ReceiverProcessTest, SighupReloadsTheKeysFile) {
  net::HttpClient client("127.0.0.1", static_cast<uint16_t>(receiver_port_));
  const v1::ReportBatch batch = FreshBatch("globex", {"veh_globex-1", 1});
  ASSERT_EQ(Upload(client, "Bearer globex:globex-key", batch).status, 403);
  WriteKeys("acme " + Sha256Hex("acme-key") + "\nglobex " + Sha256Hex("globex-key") + "\n");
  ASSERT_EQ(kill(receiver_.pid(), SIGHUP), 0);
  int status = 0;
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  while ((status = Upload(client, "Bearer globex:globex-key", batch).status) != 200 &&
         Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(status, 200) << receiver_.ReadLog();
  EXPECT_THAT(receiver_.ReadLog(), HasSubstr("reloaded the keys file (2 fleets)"));
}

// The receiver with --tls-cert/--tls-key (a certificate generated for the run), small limits so
// that oversize requests are cheap, and the same real queue behind it.
class ReceiverOverTlsTest : public ReceiverProcessTest {
 protected:
  std::vector<std::string> ExtraReceiverFlags() override {
    return {"--tls-cert",         cert_.certificate_file,
            "--tls-key",          cert_.private_key_file,
            "--max-body-bytes",   "4096",
            "--max-header-bytes", "2048"};
  }
  std::unique_ptr<net::HttpClient> ReceiverClient() override {
    return std::make_unique<net::HttpClient>(
        *net::ParseHttpUrl("https://127.0.0.1:" + std::to_string(receiver_port_)),
        net::HttpClientOptions{.tls_ca_file = cert_.certificate_file});
  }

  roadsense::testing::TlsTestCertificate cert_ =
      roadsense::testing::WriteTlsTestCertificate(dir_.path());
};

TEST_F(ReceiverOverTlsTest, AcceptsABatchOverHttpsAndAnswers2xxOnlyAfterEnqueue) {
  auto client = ReceiverClient();
  const UploadKey stored{"veh_tls-1", 1};
  const net::HttpResponse ok = Upload(*client, "Bearer acme:acme-key", FreshBatch("acme", stored));
  ASSERT_EQ(ok.status, 200) << ok.body << receiver_.ReadLog();
  EXPECT_THAT(ok.body, HasSubstr("\"batch_sequence\":1"));
  EXPECT_EQ(KeysInQueue(), std::multiset<UploadKey>{stored});

  // With the queue gone, the same connection's next upload is refused, not acknowledged.
  queue_->Stop(SIGKILL);
  const net::HttpResponse refused =
      Upload(*client, "Bearer acme:acme-key", FreshBatch("acme", {"veh_tls-1", 2}));
  EXPECT_EQ(refused.status, 503) << refused.body;
  EXPECT_FALSE(refused.Header("Retry-After").empty());
}

TEST_F(ReceiverOverTlsTest, PlainHttpToTheTlsPortIsNotServed) {
  net::HttpClient plain("127.0.0.1", static_cast<uint16_t>(receiver_port_));
  net::HttpRequest req;
  req.method = "GET";
  req.target = "/healthz";
  auto r = plain.RoundTrip(req, std::chrono::seconds(5));
  EXPECT_FALSE(r.ok()) << r->status;
  EXPECT_EQ(Get("/healthz").status, 200);  // while HTTPS is served
}

TEST_F(ReceiverOverTlsTest, OversizeBodyAndHeaderAnswersNameTheLimitAndAreCounted) {
  net::HttpRequest big_body;
  big_body.method = "POST";
  big_body.target = "/v1/reports";
  big_body.headers = {{"Content-Type", "application/x-protobuf"}};
  big_body.body = std::string(80 * 1024, 'x');  // over 4096 + 64 KiB of gzip slack
  auto r = ReceiverClient()->RoundTrip(big_body, std::chrono::seconds(5));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 413);
  EXPECT_THAT(r->body, HasSubstr("request body exceeds the 69632-byte limit"));

  net::HttpRequest big_header;
  big_header.method = "GET";
  big_header.target = "/healthz";
  big_header.headers = {{"X-Padding", std::string(4096, 'p')}};
  r = ReceiverClient()->RoundTrip(big_header, std::chrono::seconds(5));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 431);
  EXPECT_THAT(r->body, HasSubstr("request header exceeds the 2048-byte limit"));

  const std::string metrics = Get("/metrics").body;
  EXPECT_THAT(metrics, HasSubstr("roadsense_receiver_http_responses_total{code=\"413\"} 1\n"));
  EXPECT_THAT(metrics, HasSubstr("roadsense_receiver_http_responses_total{code=\"431\"} 1\n"));
}

// roadsense-queue serving HTTPS (--tls-cert) and the receiver enqueuing to its https:// URL: the
// SQS client speaks TLS and trusts the private certificate through SSL_CERT_FILE, as an operator
// would configure it (the receiver inherits the variable from this process).
class ReceiverToTlsQueueTest : public ReceiverProcessTest {
 protected:
  ReceiverToTlsQueueTest() {
    queue_url_ = "https://127.0.0.1:" + std::to_string(queue_port_) + "/000000000000/tls-queue";
  }
  void SetUp() override {
    ASSERT_EQ(setenv("SSL_CERT_FILE", cert_.certificate_file.c_str(), 1), 0);
    ReceiverProcessTest::SetUp();
  }
  void TearDown() override { unsetenv("SSL_CERT_FILE"); }
  std::vector<std::string> ExtraQueueFlags() override {
    return {"--tls-cert", cert_.certificate_file, "--tls-key", cert_.private_key_file};
  }

  roadsense::testing::TlsTestCertificate cert_ =
      roadsense::testing::WriteTlsTestCertificate(dir_.path());
};

TEST_F(ReceiverToTlsQueueTest, EnqueuesOverHttpsToTheQueue) {
  auto client = ReceiverClient();
  const UploadKey key{"veh_tlsq-1", 1};
  const net::HttpResponse ok = Upload(*client, "Bearer acme:acme-key", FreshBatch("acme", key));
  ASSERT_EQ(ok.status, 200) << ok.body << receiver_.ReadLog();
  EXPECT_EQ(KeysInQueue(), std::multiset<UploadKey>{key});
}

}  // namespace
}  // namespace roadsense::receiver
