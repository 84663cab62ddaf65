// Starts the real roadsense-queue, kill -9s it right after sends are acknowledged, restarts it on
// the same data directory and checks that exactly the acknowledged, undeleted messages return.
#include <gtest/gtest.h>
#include <signal.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <mutex>
#include <set>
#include <thread>

#include "net/http_client.h"
#include "sqs/sqs_client.h"
#include "tests/support/child_process.h"

namespace roadsense::queue {
namespace {

using roadsense::testing::BinaryPath;
using roadsense::testing::ChildProcess;
using roadsense::testing::TempDir;

class QueueCrashTest : public ::testing::Test {
 protected:
  void StartServer(const std::vector<std::string>& extra = {}) {
    server_ = std::make_unique<ChildProcess>();
    std::vector<std::string> argv = {BinaryPath("roadsense-queue"),
                                     "--listen",
                                     "127.0.0.1:" + std::to_string(port_),
                                     "--data-dir",
                                     data_.path() + "/data",
                                     "--log-level",
                                     "warn"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    server_->Start(argv, data_.path() + "/server.log");
    ASSERT_TRUE(roadsense::testing::WaitForPort(port_, std::chrono::seconds(10)))
        << server_->ReadLog();
    sqs::SqsClientOptions options;
    options.endpoint = "http://127.0.0.1:" + std::to_string(port_);
    client_ = std::make_unique<sqs::SqsClient>(options);
  }

  // Receives until the queue stays empty for one long poll; returns bodies and receipt handles.
  std::vector<sqs::ReceivedMessage> Drain(size_t expected) {
    std::vector<sqs::ReceivedMessage> all;
    sqs::ReceiveOptions options;
    options.wait_time_seconds = 1;
    options.visibility_timeout = 600;
    for (;;) {
      auto got = client_->ReceiveMessage(url_, options);
      EXPECT_TRUE(got.ok()) << got.status().ToString();
      if (!got.ok() || (got->empty() && all.size() >= expected)) break;
      if (got->empty()) {  // one more poll before concluding something is missing
        auto retry = client_->ReceiveMessage(url_, options);
        if (!retry.ok() || retry->empty()) break;
        got = std::move(retry);
      }
      all.insert(all.end(), got->begin(), got->end());
    }
    return all;
  }

  TempDir data_;
  int port_ = roadsense::testing::FreePort();
  std::unique_ptr<ChildProcess> server_;
  std::unique_ptr<sqs::SqsClient> client_;
  std::string url_;
};

TEST_F(QueueCrashTest, AcknowledgedUndeletedMessagesSurviveKill9) {
  StartServer();
  auto url = client_->CreateQueue("crash");
  ASSERT_TRUE(url.ok()) << url.status().ToString();
  url_ = *url;

  // Concurrent batch senders, so that group commit covers several requests per fsync.
  std::mutex mu;
  std::set<std::string> acknowledged;
  std::vector<std::thread> senders;
  for (int t = 0; t < 4; ++t) {
    senders.emplace_back([&, t] {
      for (int b = 0; b < 10; ++b) {
        std::vector<sqs::SendEntry> entries;
        for (int i = 0; i < 10; ++i) {
          entries.push_back(
              {"e" + std::to_string(i),
               "m-" + std::to_string(t) + "-" + std::to_string(b) + "-" + std::to_string(i)});
        }
        auto result = client_->SendMessageBatch(url_, entries);
        if (!result.ok()) continue;
        std::lock_guard lock(mu);
        for (const auto& s : result->successful) {
          for (const auto& e : entries) {
            if (e.id == s.id) acknowledged.insert(e.body);
          }
        }
      }
    });
  }
  for (auto& s : senders) s.join();
  ASSERT_EQ(acknowledged.size(), 400u);

  // Receive everything, delete every other message.
  auto received = Drain(acknowledged.size());
  ASSERT_EQ(received.size(), acknowledged.size());
  std::set<std::string> deleted;
  std::vector<sqs::DeleteEntry> batch;
  std::vector<std::string> batch_bodies;
  for (size_t i = 0; i < received.size(); i += 2) {
    batch.push_back({"d" + std::to_string(batch.size()), received[i].receipt_handle});
    batch_bodies.push_back(received[i].body);
    if (batch.size() == 10 || i + 2 >= received.size()) {
      auto result = client_->DeleteMessageBatch(url_, batch);
      ASSERT_TRUE(result.ok()) << result.status().ToString();
      for (const auto& id : result->successful)
        deleted.insert(batch_bodies[std::stoi(id.substr(1))]);
      batch.clear();
      batch_bodies.clear();
    }
  }
  ASSERT_EQ(deleted.size(), 200u);

  server_->Stop(SIGKILL);
  StartServer();

  std::set<std::string> expected;
  for (const auto& body : acknowledged) {
    if (!deleted.contains(body)) expected.insert(body);
  }
  std::set<std::string> after;
  for (const auto& m : Drain(expected.size())) {
    EXPECT_FALSE(deleted.contains(m.body)) << "deleted message came back: " << m.body;
    EXPECT_TRUE(after.insert(m.body).second) << "received twice: " << m.body;
  }
  EXPECT_EQ(after, expected) << server_->ReadLog();
}

// A receive acknowledged on a queue with a RedrivePolicy is durable: after kill -9 the next receive
// is the one that exceeds maxReceiveCount, so the message moves to the dead-letter queue.
TEST_F(QueueCrashTest, MaxReceiveCountHoldsAcrossKill9) {
  StartServer();
  auto dlq = client_->CreateQueue("dead");
  ASSERT_TRUE(dlq.ok()) << dlq.status().ToString();
  auto url = client_->CreateQueue(
      "poison",
      {{"RedrivePolicy", R"({"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:dead",)"
                         R"("maxReceiveCount":"1"})"}});
  ASSERT_TRUE(url.ok()) << url.status().ToString();
  ASSERT_TRUE(client_->SendMessage(*url, "bad").ok());
  sqs::ReceiveOptions options;
  options.visibility_timeout = 600;
  options.wait_time_seconds = 0;
  auto first = client_->ReceiveMessage(*url, options);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_EQ(first->size(), 1u);

  server_->Stop(SIGKILL);
  StartServer();

  auto again = client_->ReceiveMessage(*url, options);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_TRUE(again->empty()) << "received again beyond maxReceiveCount";
  options.wait_time_seconds = 2;
  auto dead = client_->ReceiveMessage(*dlq, options);
  ASSERT_TRUE(dead.ok()) << dead.status().ToString();
  ASSERT_EQ(dead->size(), 1u) << server_->ReadLog();
  EXPECT_EQ((*dead)[0].body, "bad");
}

// FIFO over the JSON protocol (sqs::SqsClient has no FIFO fields): one AWS JSON 1.0 call.
boost::json::object JsonCall(int port, const std::string& action,
                             const boost::json::object& input) {
  net::HttpClient http("127.0.0.1", static_cast<uint16_t>(port));
  net::HttpRequest request;
  request.method = "POST";
  request.target = "/";
  request.headers = {{"X-Amz-Target", "AmazonSQS." + action},
                     {"Content-Type", "application/x-amz-json-1.0"}};
  request.body = boost::json::serialize(input);
  auto r = http.RoundTrip(request, std::chrono::seconds(10));
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  if (!r.ok()) return {};
  EXPECT_EQ(r->status, 200) << r->body;
  return boost::json::parse(r->body).as_object();
}

TEST_F(QueueCrashTest, FifoDeduplicationOrderAndSequenceNumbersSurviveKill9) {
  StartServer();
  auto created = JsonCall(port_, "CreateQueue",
                          {{"QueueName", "f.fifo"}, {"Attributes", {{"FifoQueue", "true"}}}});
  const std::string url(created["QueueUrl"].as_string());
  auto send = [&](const std::string& body, const std::string& group, const std::string& dedup) {
    return JsonCall(port_, "SendMessage",
                    {{"QueueUrl", url},
                     {"MessageBody", body},
                     {"MessageGroupId", group},
                     {"MessageDeduplicationId", dedup}});
  };
  auto receive = [&] {
    std::vector<std::string> bodies;
    auto r = JsonCall(port_, "ReceiveMessage", {{"QueueUrl", url}, {"MaxNumberOfMessages", 10}});
    if (auto* m = r.if_contains("Messages")) {
      for (const auto& e : m->as_array()) bodies.emplace_back(e.at("Body").as_string());
    }
    return bodies;
  };
  auto gone = send("gone", "A", "d0");
  // "gone" is received and deleted: only its deduplication entry is left.
  auto first = JsonCall(port_, "ReceiveMessage", {{"QueueUrl", url}});
  ASSERT_EQ(first["Messages"].as_array().size(), 1u);
  JsonCall(
      port_, "DeleteMessage",
      {{"QueueUrl", url}, {"ReceiptHandle", first["Messages"].as_array()[0].at("ReceiptHandle")}});
  send("a1", "A", "d1");
  send("b1", "B", "d2");
  auto last = send("a2", "A", "d3");

  server_->Stop(SIGKILL);
  StartServer();

  auto dup = send("gone", "A", "d0");
  EXPECT_EQ(dup["MessageId"], gone["MessageId"]);
  EXPECT_EQ(dup["SequenceNumber"], gone["SequenceNumber"]);
  auto next = send("b2", "B", "d4");
  EXPECT_GT(next["SequenceNumber"].as_string(), last["SequenceNumber"].as_string());
  EXPECT_EQ(receive(), (std::vector<std::string>{"a1", "a2", "b1", "b2"}));
}

// An SSE queue's message survives kill -9 without its body ever being on disk in clear, and the
// server refuses to start without the key its log names.
TEST_F(QueueCrashTest, EncryptedQueueSurvivesKill9AndNeedsItsKey) {
  const std::string keys = data_.path() + "/keys";
  std::ofstream(keys) << "key-a 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
                         " current\n";
  StartServer({"--encryption-keys-file", keys});
  auto url = client_->CreateQueue("sse", {{"SqsManagedSseEnabled", "true"}});
  ASSERT_TRUE(url.ok()) << url.status().ToString();
  const std::string marker = "crash-sse-marker-5d1e";
  ASSERT_TRUE(client_->SendMessage(*url, marker).ok());
  server_->Stop(SIGKILL);
  for (const auto& e : std::filesystem::recursive_directory_iterator(data_.path() + "/data")) {
    std::ifstream in(e.path(), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(bytes.find(marker), std::string::npos) << e.path();
  }

  StartServer({"--encryption-keys-file", keys});
  url_ = *url;
  auto got = Drain(1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].body, marker);
  server_->Stop(SIGTERM);

  std::ofstream(keys) << "key-b 202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
                         " current\n";
  ChildProcess refused;
  refused.Start({BinaryPath("roadsense-queue"), "--listen", "127.0.0.1:" + std::to_string(port_),
                 "--data-dir", data_.path() + "/data", "--encryption-keys-file", keys},
                data_.path() + "/refused.log");
  EXPECT_EQ(refused.Wait(std::chrono::seconds(20)), 1);
  const std::string log = refused.ReadLog();
  EXPECT_NE(log.find("'key-a'"), std::string::npos) << log;
  EXPECT_NE(log.find("wal-0"), std::string::npos) << log;
}

}  // namespace
}  // namespace roadsense::queue
