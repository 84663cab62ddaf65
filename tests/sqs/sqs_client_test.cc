// SqsClient against a scripted fake SQS endpoint (a net::HttpServer in the test): request shape,
// signing, response parsing, error mapping and digest checks.
#include "sqs/sqs_client.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <cstdlib>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

#include "net/http_server.h"
#include "sqs/message_attributes.h"
#include "sqs/sigv4_signer.h"
#include "sqs/sigv4_verifier.h"
#include "tests/support/child_process.h"
#include "tests/support/tls_test_certificate.h"

namespace roadsense::sqs {
namespace {

namespace json = boost::json;
using Script = std::function<net::HttpResponse(const net::HttpRequest&, const json::object&)>;

constexpr char kQueueUrl[] = "http://127.0.0.1/000000000000/tiles";

net::HttpResponse Ok(json::object body) {
  return net::HttpResponse::Json(200, json::serialize(body));
}

net::HttpResponse SqsError(int status, std::string shape, std::string legacy_code,
                           std::string message) {
  auto response = net::HttpResponse::Json(
      status, json::serialize(json::object{{"__type", "com.amazonaws.sqs#" + shape},
                                           {"message", std::move(message)}}));
  if (!legacy_code.empty()) response.SetHeader("x-amzn-query-error", legacy_code + ";Sender");
  return response;
}

net::HttpServerOptions ServerOptions() {
  net::HttpServerOptions options;
  options.listen = "127.0.0.1:0";
  options.threads = 2;
  return options;
}

// Records every request and answers with the current script.
class FakeSqs {
 public:
  FakeSqs()
      : server_(ServerOptions(), [this](net::HttpRequest&& request, net::Responder respond) {
          Handle(std::move(request), std::move(respond));
        }) {
    EXPECT_TRUE(server_.Start().ok());
  }

  void SetScript(Script script) {
    std::lock_guard lock(mu_);
    script_ = std::move(script);
  }
  std::vector<net::HttpRequest> requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }
  net::HttpRequest last() {
    std::lock_guard lock(mu_);
    return requests_.back();
  }
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(server_.port()); }

 private:
  void Handle(net::HttpRequest&& request, net::Responder respond) {
    json::object input;
    boost::system::error_code ec;
    json::value parsed = json::parse(request.body, ec);
    if (!ec && parsed.is_object()) input = parsed.get_object();
    Script script;
    {
      std::lock_guard lock(mu_);
      requests_.push_back(request);
      script = script_;
    }
    respond(script ? script(request, input) : Ok({}));
  }

  std::mutex mu_;
  Script script_;
  std::vector<net::HttpRequest> requests_;
  net::HttpServer server_;  // last: stopped before the members its handler uses
};

SqsClientOptions TestOptions(const FakeSqs& fake) {
  SqsClientOptions options;
  options.endpoint = fake.endpoint();
  options.region = "eu-central-1";
  options.credentials = {"AKIDTEST", "test-secret", ""};
  options.request_timeout = std::chrono::milliseconds(5000);
  options.base_backoff = std::chrono::milliseconds(1);  // retries without slowing the suite
  options.max_backoff = std::chrono::milliseconds(5);
  return options;
}

json::object BodyOf(const net::HttpRequest& request) {
  return json::parse(request.body).as_object();
}

TEST(SqsClientTest, SendMessageSendsSignedJsonRequest) {
  FakeSqs fake;
  fake.SetScript([](const net::HttpRequest&, const json::object& in) {
    return Ok({{"MessageId", "m-1"},
               {"MD5OfMessageBody", Md5OfBody(std::string(in.at("MessageBody").as_string()))}});
  });
  SqsClient client(TestOptions(fake));
  auto sent = client.SendMessage(kQueueUrl, "hello");
  ASSERT_TRUE(sent.ok()) << sent.status().ToString();
  EXPECT_EQ(sent->message_id, "m-1");

  const net::HttpRequest request = fake.last();
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.target, "/");
  EXPECT_EQ(request.Header("X-Amz-Target"), "AmazonSQS.SendMessage");
  EXPECT_EQ(request.Header("Content-Type"), "application/x-amz-json-1.0");
  const json::object body = BodyOf(request);
  EXPECT_EQ(body.at("QueueUrl").as_string(), kQueueUrl);
  EXPECT_EQ(body.at("MessageBody").as_string(), "hello");

  // The server's view: the Authorization header parses and the signature verifies.
  auto auth = ParseSigV4Authorization(request.Header("Authorization"));
  ASSERT_TRUE(auth.ok()) << auth.status().ToString();
  EXPECT_EQ(auth->access_key_id, "AKIDTEST");
  EXPECT_EQ(auth->scope.region, "eu-central-1");
  EXPECT_EQ(auth->scope.service, "sqs");
  const std::set<std::string> signed_headers(auth->signed_headers.begin(),
                                             auth->signed_headers.end());
  for (const char* name : {"host", "x-amz-date", "x-amz-target", "content-type"}) {
    EXPECT_TRUE(signed_headers.count(name)) << name << " is not signed";
  }
  SigV4VerifierOptions verifier_options;
  verifier_options.region = "eu-central-1";
  SigV4Verifier verifier(verifier_options);
  auto claim = verifier.Parse(request);
  ASSERT_TRUE(claim.ok()) << claim.status().ToString();
  EXPECT_TRUE(
      verifier.Verify(request, *claim, "test-secret", std::chrono::system_clock::now()).ok());
}

TEST(SqsClientTest, SessionTokenIsSentAndSigned) {
  FakeSqs fake;
  auto options = TestOptions(fake);
  options.credentials.session_token = "tok";
  SqsClient client(options);
  ASSERT_TRUE(client.DeleteMessage(kQueueUrl, "rh").ok());
  const net::HttpRequest request = fake.last();
  EXPECT_EQ(request.Header("X-Amz-Security-Token"), "tok");
  EXPECT_NE(request.Header("Authorization").find("x-amz-security-token"), std::string_view::npos);
}

TEST(SqsClientTest, SendMessageDigestMismatchIsCorruption) {
  FakeSqs fake;
  fake.SetScript([](const net::HttpRequest&, const json::object&) {
    return Ok({{"MessageId", "m-1"}, {"MD5OfMessageBody", Md5OfBody("something else")}});
  });
  SqsClient client(TestOptions(fake));
  auto sent = client.SendMessage(kQueueUrl, "hello");
  ASSERT_FALSE(sent.ok());
  EXPECT_EQ(sent.status().code(), StatusCode::kCorruption);
  EXPECT_TRUE(sent.status().message().starts_with("MD5Mismatch")) << sent.status().message();
}

TEST(SqsClientTest, QueueDoesNotExistMapsToNotFound) {
  FakeSqs fake;
  fake.SetScript([](const net::HttpRequest&, const json::object&) {
    return SqsError(400, "QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue",
                    "The specified queue does not exist.");
  });
  SqsClient client(TestOptions(fake));
  auto url = client.GetQueueUrl("nope");
  ASSERT_FALSE(url.ok());
  EXPECT_EQ(url.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(url.status().message(), "QueueDoesNotExist: The specified queue does not exist.");
}

TEST(SqsClientTest, ErrorsMapByShapeAndStatus) {
  struct Case {
    int status;
    std::string shape;
    StatusCode expected;
  };
  const std::vector<Case> cases = {
      {400, "InvalidParameterValue", StatusCode::kInvalidArgument},
      {500, "InternalFailure", StatusCode::kUnavailable},
      {503, "ServiceUnavailable", StatusCode::kUnavailable},
      {403, "RequestThrottled", StatusCode::kResourceExhausted},
      {403, "SignatureDoesNotMatch", StatusCode::kUnauthenticated},
      {403, "AccessDenied", StatusCode::kPermissionDenied},
  };
  FakeSqs fake;
  SqsClient client(TestOptions(fake));
  for (const Case& c : cases) {
    fake.SetScript([&](const net::HttpRequest&, const json::object&) {
      return SqsError(c.status, c.shape, "", "details");
    });
    Status status = client.DeleteMessage(kQueueUrl, "rh");
    EXPECT_EQ(status.code(), c.expected) << c.shape << ": " << status.ToString();
    EXPECT_EQ(status.message(), c.shape + ": details");
  }
}

TEST(SqsClientTest, ShapeFallsBackToQueryErrorHeader) {
  FakeSqs fake;
  fake.SetScript([](const net::HttpRequest&, const json::object&) {
    net::HttpResponse response = net::HttpResponse::Text(400, "not json");
    response.SetHeader("x-amzn-query-error", "AWS.SimpleQueueService.NonExistentQueue;Sender");
    return response;
  });
  SqsClient client(TestOptions(fake));
  Status status = client.DeleteMessage(kQueueUrl, "rh");
  EXPECT_EQ(status.code(), StatusCode::kNotFound);
  EXPECT_TRUE(status.message().starts_with("AWS.SimpleQueueService.NonExistentQueue: "))
      << status.message();
}

TEST(SqsClientTest, ReceiveMessageParsesAndDropsCorruptMessages) {
  FakeSqs fake;
  fake.SetScript([](const net::HttpRequest&, const json::object&) {
    json::array messages;
    messages.emplace_back(json::object{{"MessageId", "m-1"},
                                       {"ReceiptHandle", "rh-1"},
                                       {"Body", "good"},
                                       {"MD5OfBody", Md5OfBody("good")},
                                       {"Attributes", {{"ApproximateReceiveCount", "2"}}}});
    messages.emplace_back(json::object{{"MessageId", "m-2"},
                                       {"ReceiptHandle", "rh-2"},
                                       {"Body", "bad"},
                                       {"MD5OfBody", Md5OfBody("not the body")}});
    return Ok({{"Messages", std::move(messages)}});
  });
  SqsClient client(TestOptions(fake));
  ReceiveOptions options;
  options.max_messages = 7;
  options.wait_time_seconds = 1;
  options.visibility_timeout = 45;
  auto received = client.ReceiveMessage(kQueueUrl, options);
  ASSERT_TRUE(received.ok()) << received.status().ToString();
  ASSERT_EQ(received->size(), 1u);
  const ReceivedMessage& m = received->front();
  EXPECT_EQ(m.message_id, "m-1");
  EXPECT_EQ(m.receipt_handle, "rh-1");
  EXPECT_EQ(m.body, "good");
  EXPECT_EQ(m.attributes.at("ApproximateReceiveCount"), "2");

  const json::object body = BodyOf(fake.last());
  EXPECT_EQ(fake.last().Header("X-Amz-Target"), "AmazonSQS.ReceiveMessage");
  EXPECT_EQ(body.at("MaxNumberOfMessages").as_int64(), 7);
  EXPECT_EQ(body.at("WaitTimeSeconds").as_int64(), 1);
  EXPECT_EQ(body.at("VisibilityTimeout").as_int64(), 45);
  EXPECT_EQ(body.at("MessageSystemAttributeNames").as_array().at(0).as_string(), "All");
}

TEST(SqsClientTest, ReceiveMessageIntoAVectorReplacesItsMessages) {
  FakeSqs fake;
  fake.SetScript([](const net::HttpRequest&, const json::object&) {
    json::array messages;
    messages.emplace_back(json::object{{"MessageId", "m-1"},
                                       {"ReceiptHandle", "rh-1"},
                                       {"Body", "good"},
                                       {"MD5OfBody", Md5OfBody("good")}});
    messages.emplace_back(json::object{{"MessageId", "m-2"},
                                       {"ReceiptHandle", "rh-2"},
                                       {"Body", "bad"},
                                       {"MD5OfBody", Md5OfBody("not the body")}});
    return Ok({{"Messages", std::move(messages)}});
  });
  SqsClient client(TestOptions(fake));
  ReceiveOptions options;
  options.wait_time_seconds = 0;
  std::vector<ReceivedMessage> messages(
      3, ReceivedMessage{"old-id", "old-handle", "old body", "old-md5", {{"Old", "1"}}});
  ASSERT_TRUE(client.ReceiveMessage(kQueueUrl, options, &messages).ok());
  ASSERT_EQ(messages.size(), 1u);  // the corrupt one dropped, the old ones gone
  EXPECT_EQ(messages[0].message_id, "m-1");
  EXPECT_EQ(messages[0].receipt_handle, "rh-1");
  EXPECT_EQ(messages[0].body, "good");
  EXPECT_EQ(messages[0].md5_of_body, Md5OfBody("good"));
  EXPECT_TRUE(messages[0].attributes.empty());
}

TEST(SqsClientTest, ReceiveMessageIntoAVectorEmptiesItOnError) {
  FakeSqs fake;
  fake.SetScript([](const net::HttpRequest&, const json::object&) {
    return SqsError(400, "QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue",
                    "The specified queue does not exist.");
  });
  SqsClient client(TestOptions(fake));
  ReceiveOptions options;
  options.wait_time_seconds = 0;
  std::vector<ReceivedMessage> messages(2);
  EXPECT_EQ(client.ReceiveMessage(kQueueUrl, options, &messages).code(), StatusCode::kNotFound);
  EXPECT_TRUE(messages.empty());
}

TEST(SqsClientTest, ReceiveMessageWithNoMessagesIsEmpty) {
  FakeSqs fake;
  SqsClient client(TestOptions(fake));
  ReceiveOptions options;
  options.wait_time_seconds = 0;
  options.visibility_timeout = -1;
  auto received = client.ReceiveMessage(kQueueUrl, options);
  ASSERT_TRUE(received.ok()) << received.status().ToString();
  EXPECT_TRUE(received->empty());
  EXPECT_FALSE(BodyOf(fake.last()).contains("VisibilityTimeout"));
}

TEST(SqsClientTest, SendMessageBatchReportsSuccessesFailuresAndDigestMismatches) {
  FakeSqs fake;
  fake.SetScript([](const net::HttpRequest&, const json::object& in) {
    json::array ok;
    json::array failed;
    for (const auto& v : in.at("Entries").as_array()) {
      const auto& e = v.as_object();
      const std::string id(e.at("Id").as_string());
      const std::string body(e.at("MessageBody").as_string());
      if (id == "c") {
        failed.emplace_back(json::object{{"Id", id},
                                         {"Code", "InvalidMessageContents"},
                                         {"Message", "bad chars"},
                                         {"SenderFault", true}});
      } else {
        ok.emplace_back(
            json::object{{"Id", id},
                         {"MessageId", "m-" + id},
                         {"MD5OfMessageBody", Md5OfBody(id == "b" ? "corrupted" : body)}});
      }
    }
    return Ok({{"Successful", std::move(ok)}, {"Failed", std::move(failed)}});
  });
  SqsClient client(TestOptions(fake));
  auto result =
      client.SendMessageBatch(kQueueUrl, {{"a", "body-a", 5}, {"b", "body-b"}, {"c", ""}});
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  ASSERT_EQ(result->successful.size(), 1u);
  EXPECT_EQ(result->successful[0].id, "a");
  EXPECT_EQ(result->successful[0].message_id, "m-a");
  ASSERT_EQ(result->failed.size(), 2u);
  EXPECT_EQ(result->failed[0].id, "c");
  EXPECT_EQ(result->failed[0].code, "InvalidMessageContents");
  EXPECT_TRUE(result->failed[0].sender_fault);
  EXPECT_EQ(result->failed[1].id, "b");
  EXPECT_EQ(result->failed[1].code, "MD5Mismatch");
  EXPECT_FALSE(result->failed[1].sender_fault);

  const json::object sent = BodyOf(fake.last());
  const json::array& entries = sent.at("Entries").as_array();
  EXPECT_EQ(entries.at(0).as_object().at("DelaySeconds").as_int64(), 5);
  EXPECT_FALSE(entries.at(1).as_object().contains("DelaySeconds"));
}

TEST(SqsClientTest, SendMessageBatchIntoAResultReplacesItsEntries) {
  FakeSqs fake;
  fake.SetScript([](const net::HttpRequest&, const json::object& in) {
    json::array ok;
    for (const auto& v : in.at("Entries").as_array()) {
      const auto& e = v.as_object();
      const std::string id(e.at("Id").as_string());
      const std::string body(e.at("MessageBody").as_string());
      ok.emplace_back(
          json::object{{"Id", id},
                       {"MessageId", "m-" + id},
                       {"MD5OfMessageBody", Md5OfBody(id == "b" ? "corrupted" : body)}});
    }
    return Ok({{"Successful", std::move(ok)}});
  });
  SqsClient client(TestOptions(fake));
  SendBatchResult result;
  result.successful.assign(3, SendSuccess{"old", "old-message-id", "old-md5"});
  result.failed.push_back({"old", "OldCode", "old", true});
  ASSERT_TRUE(client.SendMessageBatch(kQueueUrl, {{"b", "body-b"}, {"a", "body-a"}}, &result).ok());
  ASSERT_EQ(result.successful.size(), 1u);
  EXPECT_EQ(result.successful[0].id, "a");
  EXPECT_EQ(result.successful[0].message_id, "m-a");
  EXPECT_EQ(result.successful[0].md5_of_body, Md5OfBody("body-a"));
  ASSERT_EQ(result.failed.size(), 1u);
  EXPECT_EQ(result.failed[0].id, "b");
  EXPECT_EQ(result.failed[0].code, "MD5Mismatch");
}

TEST(SqsClientTest, DeleteMessageBatchReportsResults) {
  FakeSqs fake;
  fake.SetScript([](const net::HttpRequest&, const json::object&) {
    json::array ok;
    ok.emplace_back(json::object{{"Id", "1"}});
    json::array failed;
    failed.emplace_back(json::object{{"Id", "2"},
                                     {"Code", "ReceiptHandleIsInvalid"},
                                     {"Message", "stale"},
                                     {"SenderFault", true}});
    return Ok({{"Successful", std::move(ok)}, {"Failed", std::move(failed)}});
  });
  SqsClient client(TestOptions(fake));
  auto result = client.DeleteMessageBatch(kQueueUrl, {{"1", "rh-1"}, {"2", "rh-2"}});
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->successful, std::vector<std::string>{"1"});
  ASSERT_EQ(result->failed.size(), 1u);
  EXPECT_EQ(result->failed[0].code, "ReceiptHandleIsInvalid");
  const json::object sent = BodyOf(fake.last());
  const json::array& entries = sent.at("Entries").as_array();
  EXPECT_EQ(entries.at(1).as_object().at("ReceiptHandle").as_string(), "rh-2");
}

TEST(SqsClientTest, ChangeMessageVisibilityBatchSendsTimeoutsAndReportsResults) {
  FakeSqs fake;
  fake.SetScript([](const net::HttpRequest&, const json::object&) {
    json::array ok;
    ok.emplace_back(json::object{{"Id", "a"}});
    json::array failed;
    failed.emplace_back(json::object{{"Id", "b"},
                                     {"Code", "ReceiptHandleIsInvalid"},
                                     {"Message", "stale"},
                                     {"SenderFault", true}});
    return Ok({{"Successful", std::move(ok)}, {"Failed", std::move(failed)}});
  });
  SqsClient client(TestOptions(fake));
  auto result =
      client.ChangeMessageVisibilityBatch(kQueueUrl, {{"a", "rh-a", 30}, {"b", "rh-b", 7}});
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->successful, std::vector<std::string>{"a"});
  ASSERT_EQ(result->failed.size(), 1u);
  EXPECT_EQ(result->failed[0].id, "b");
  const net::HttpRequest request = fake.last();
  EXPECT_EQ(request.Header("X-Amz-Target"), "AmazonSQS.ChangeMessageVisibilityBatch");
  const json::object body = BodyOf(request);
  const json::object& second = body.at("Entries").as_array().at(1).as_object();
  EXPECT_EQ(second.at("ReceiptHandle").as_string(), "rh-b");
  EXPECT_EQ(second.at("VisibilityTimeout").to_number<int>(), 7);
}

TEST(SqsClientTest, ChangeMessageVisibilitySendsHandleAndTimeout) {
  FakeSqs fake;
  SqsClient client(TestOptions(fake));
  ASSERT_TRUE(client.ChangeMessageVisibility(kQueueUrl, "rh-1", 120).ok());
  const json::object sent = BodyOf(fake.last());
  EXPECT_EQ(sent.at("ReceiptHandle").as_string(), "rh-1");
  EXPECT_EQ(sent.at("VisibilityTimeout").to_number<int>(), 120);
}

TEST(SqsClientTest, QueueActionsParseResponses) {
  FakeSqs fake;
  fake.SetScript([](const net::HttpRequest& request, const json::object&) {
    if (request.Header("X-Amz-Target") == "AmazonSQS.GetQueueAttributes") {
      return Ok({{"Attributes", {{"ApproximateNumberOfMessages", "12"}}}});
    }
    return Ok({{"QueueUrl", kQueueUrl}});
  });
  SqsClient client(TestOptions(fake));
  auto created = client.CreateQueue("tiles", {{"VisibilityTimeout", "60"}});
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_EQ(*created, kQueueUrl);
  const json::object create_body = BodyOf(fake.last());
  EXPECT_EQ(create_body.at("QueueName").as_string(), "tiles");
  EXPECT_EQ(create_body.at("Attributes").as_object().at("VisibilityTimeout").as_string(), "60");

  auto attrs = client.GetQueueAttributes(kQueueUrl);
  ASSERT_TRUE(attrs.ok()) << attrs.status().ToString();
  EXPECT_EQ(attrs->at("ApproximateNumberOfMessages"), "12");
  EXPECT_EQ(BodyOf(fake.last()).at("AttributeNames").as_array().at(0).as_string(), "All");
}

TEST(SqsClientTest, SequentialCallsReuseOneConnection) {
  FakeSqs fake;
  SqsClient client(TestOptions(fake));
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(client.DeleteMessage(kQueueUrl, "rh").ok());
  std::set<std::string> remotes;
  for (const auto& r : fake.requests()) remotes.insert(r.remote_address);
  EXPECT_EQ(remotes.size(), 1u);
}

TEST(SqsClientTest, ConcurrentCallsSucceed) {
  FakeSqs fake;
  SqsClient client(TestOptions(fake));
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10; ++i) {
        if (!client.DeleteMessage(kQueueUrl, "rh").ok()) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(fake.requests().size(), 40u);
}

TEST(SqsClientTest, UnreachableEndpointIsUnavailable) {
  std::string endpoint;
  {
    FakeSqs fake;
    endpoint = fake.endpoint();
  }
  SqsClientOptions options;
  options.endpoint = endpoint;
  SqsClient client(options);
  Status status = client.DeleteMessage(kQueueUrl, "rh");
  EXPECT_EQ(status.code(), StatusCode::kUnavailable) << status.ToString();
}

TEST(SqsClientTest, HttpsEndpointSpeaksTlsAndTrustsSslCertFile) {
  roadsense::testing::TempDir dir;
  const auto cert = roadsense::testing::WriteTlsTestCertificate(dir.path());
  net::HttpServer server(
      {.listen = "127.0.0.1:0",
       .threads = 1,
       .tls_certificate_file = cert.certificate_file,
       .tls_private_key_file = cert.private_key_file},
      [](net::HttpRequest&& request, net::Responder respond) {
        respond(net::HttpResponse::Json(
            200, request.secure ? R"({"QueueUrl":"https://127.0.0.1/0/q"})" : "{}"));
      });
  ASSERT_TRUE(server.Start().ok());
  SqsClientOptions options;
  options.endpoint = "https://127.0.0.1:" + std::to_string(server.port());
  options.max_attempts = 1;

  // Not trusted by the system store: the handshake fails, naming the certificate problem.
  auto untrusted = SqsClient(options).GetQueueUrl("q");
  ASSERT_FALSE(untrusted.ok());
  EXPECT_EQ(untrusted.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(untrusted.status().message().find("certificate"), std::string::npos)
      << untrusted.status().ToString();

  // SSL_CERT_FILE names a private CA (here the self-signed certificate itself).
  ASSERT_EQ(setenv("SSL_CERT_FILE", cert.certificate_file.c_str(), 1), 0);
  auto trusted = SqsClient(options).GetQueueUrl("q");
  unsetenv("SSL_CERT_FILE");
  ASSERT_TRUE(trusted.ok()) << trusted.status().ToString();
  EXPECT_EQ(*trusted, "https://127.0.0.1/0/q");
}

// ---- Retries ----

// Answers `failure` to the first `failures` requests, then an empty success.
Script FailFirst(int failures, std::function<net::HttpResponse()> failure) {
  auto count = std::make_shared<std::atomic<int>>(0);
  return [=](const net::HttpRequest&, const json::object&) {
    return count->fetch_add(1) < failures ? failure() : Ok({});
  };
}

TEST(SqsClientRetryTest, ServerErrorsAreRetriedUntilSuccess) {
  FakeSqs fake;
  fake.SetScript(FailFirst(2, [] { return SqsError(503, "ServiceUnavailable", "", "busy"); }));
  SqsClient client(TestOptions(fake));
  const Status status = client.DeleteMessage(kQueueUrl, "rh");
  EXPECT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(fake.requests().size(), 3u);
}

TEST(SqsClientRetryTest, ThrottlingIsRetried) {
  FakeSqs fake;
  fake.SetScript(FailFirst(
      2, [] { return SqsError(403, "RequestThrottled", "RequestThrottled", "slow down"); }));
  SqsClient client(TestOptions(fake));
  EXPECT_TRUE(client.DeleteMessage(kQueueUrl, "rh").ok());
  EXPECT_EQ(fake.requests().size(), 3u);
}

TEST(SqsClientRetryTest, EachAttemptIsSignedAfresh) {
  FakeSqs fake;
  fake.SetScript(FailFirst(1, [] { return SqsError(500, "InternalFailure", "", "oops"); }));
  SqsClient client(TestOptions(fake));
  ASSERT_TRUE(client.DeleteMessage(kQueueUrl, "rh").ok());
  for (const net::HttpRequest& request : fake.requests()) {
    // One Authorization header per attempt, not one per attempt so far.
    int authorizations = 0;
    for (const auto& [name, value] : request.headers) authorizations += name == "Authorization";
    EXPECT_EQ(authorizations, 1);
  }
}

TEST(SqsClientRetryTest, AttemptsAreBounded) {
  FakeSqs fake;
  fake.SetScript([](const net::HttpRequest&, const json::object&) {
    return SqsError(500, "InternalFailure", "", "down");
  });
  SqsClient client(TestOptions(fake));
  const Status status = client.DeleteMessage(kQueueUrl, "rh");
  EXPECT_EQ(status.code(), StatusCode::kUnavailable);
  EXPECT_EQ(fake.requests().size(), 3u);
}

TEST(SqsClientRetryTest, ClientErrorsAndOverLimitAreNotRetried) {
  FakeSqs fake;
  SqsClient client(TestOptions(fake));
  fake.SetScript([](const net::HttpRequest&, const json::object&) {
    return SqsError(400, "InvalidParameterValue", "", "bad");
  });
  EXPECT_FALSE(client.DeleteMessage(kQueueUrl, "rh").ok());
  EXPECT_EQ(fake.requests().size(), 1u);
  fake.SetScript([](const net::HttpRequest&, const json::object&) {
    return SqsError(403, "OverLimit", "OverLimit", "too many in flight");
  });
  const Status status = client.DeleteMessage(kQueueUrl, "rh");
  EXPECT_EQ(status.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(fake.requests().size(), 2u);
}

TEST(SqsClientRetryTest, OneAttemptDisablesRetries) {
  FakeSqs fake;
  fake.SetScript(FailFirst(1, [] { return SqsError(503, "ServiceUnavailable", "", "busy"); }));
  auto options = TestOptions(fake);
  options.max_attempts = 1;
  SqsClient client(options);
  EXPECT_EQ(client.DeleteMessage(kQueueUrl, "rh").code(), StatusCode::kUnavailable);
  EXPECT_EQ(fake.requests().size(), 1u);
}

TEST(RetryDelayTest, IsFullJitterBelowTheExponentialCeiling) {
  using std::chrono::milliseconds;
  for (int retry = 0; retry < 12; ++retry) {
    const int64_t ceiling = std::min<int64_t>(1000, 10LL << retry);
    for (int i = 0; i < 50; ++i) {
      const milliseconds wait = RetryDelay(retry, milliseconds(10), milliseconds(1000));
      EXPECT_GE(wait.count(), 0);
      EXPECT_LT(wait.count(), ceiling);
    }
  }
  EXPECT_EQ(RetryDelay(3, milliseconds(0), milliseconds(1000)).count(), 0);
}

TEST(SqsClientOptionsTest, ForQueueUrlTakesEndpointAndRegion) {
  auto aws = SqsClientOptions::ForQueueUrl("https://sqs.eu-central-1.amazonaws.com/123456789012/q");
  ASSERT_TRUE(aws.ok());
  EXPECT_EQ(aws->endpoint, "https://sqs.eu-central-1.amazonaws.com:443");
  EXPECT_EQ(aws->region, "eu-central-1");
  auto local = SqsClientOptions::ForQueueUrl("http://127.0.0.1:9324/000000000000/tiles");
  ASSERT_TRUE(local.ok());
  EXPECT_EQ(local->endpoint, "http://127.0.0.1:9324");
  EXPECT_FALSE(SqsClientOptions::ForQueueUrl("not a url").ok());
}

TEST(QueueNameFromUrl, IsTheLastPathSegment) {
  EXPECT_EQ(QueueNameFromUrl("http://127.0.0.1:9324/000000000000/reports"), "reports");
  EXPECT_EQ(QueueNameFromUrl("https://sqs.eu-central-1.amazonaws.com/123456789012/q-1/"), "q-1");
  EXPECT_EQ(QueueNameInUrl("http://127.0.0.1:9324/000000000000/reports//"), "reports");
  EXPECT_EQ(QueueNameInUrl("reports"), "reports");
}

}  // namespace
}  // namespace roadsense::sqs
