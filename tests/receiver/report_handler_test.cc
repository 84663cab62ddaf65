#include "receiver/report_handler.h"

#include <gmock/gmock.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <fstream>
#include <future>
#include <optional>
#include <string>
#include <thread>

#include "core/base64.h"
#include "core/digest.h"
#include "core/gzip_codec.h"
#include "tests/receiver/fake_queue_sender.h"
#include "tests/receiver/test_batches.h"
#include "tests/support/child_process.h"

namespace roadsense::receiver {
namespace {

using testing::FakeQueueSender;
using ::testing::HasSubstr;
using testing::kNowMs;
using testing::ValidBatch;

net::HttpRequest Post(std::string content_type, std::string body) {
  net::HttpRequest r;
  r.method = "POST";
  r.target = "/v1/reports";
  r.headers = {{"Content-Type", std::move(content_type)}};
  r.body = std::move(body);
  return r;
}

net::HttpRequest PostProtobuf(const v1::ReportBatch& batch) {
  return Post("application/x-protobuf", batch.SerializeAsString());
}

boost::json::object JsonBody(const net::HttpResponse& r) {
  return boost::json::parse(r.body).as_object();
}

class ReportHandlerTest : public ::testing::Test {
 protected:
  ReportHandlerTest()
      : enqueuer_(Options(), &sender_),
        handler_(HandlerOptions(), &enqueuer_, &stats_, [] { return kNowMs; }) {}

  static BatchingEnqueuerOptions Options() {
    BatchingEnqueuerOptions o;
    o.sender_threads = 1;
    o.linger = std::chrono::microseconds(0);
    o.max_inflight = 1;
    return o;
  }
  static ReportHandlerOptions HandlerOptions() {
    ReportHandlerOptions o;
    o.max_body_bytes = 64 * 1024;
    return o;
  }

  // Runs the handler and waits for its (possibly asynchronous) answer.
  net::HttpResponse Call(net::HttpRequest request) {
    auto promise = std::make_shared<std::promise<net::HttpResponse>>();
    auto future = promise->get_future();
    handler_.Handle(std::move(request),
                    [promise](net::HttpResponse r) { promise->set_value(std::move(r)); });
    if (future.wait_for(std::chrono::seconds(30)) != std::future_status::ready) {
      ADD_FAILURE() << "handler never answered";
      return {};
    }
    return future.get();
  }

  FakeQueueSender sender_;
  ReceiverStats stats_;
  BatchingEnqueuer enqueuer_;
  ReportHandler handler_;
};

TEST_F(ReportHandlerTest, ValidProtobufUploadIsAcknowledgedWithMessageId) {
  auto r = Call(PostProtobuf(ValidBatch()));
  ASSERT_EQ(r.status, 200) << r.body;
  auto body = JsonBody(r);
  EXPECT_EQ(body["accepted"].to_number<int>(), 4);
  EXPECT_EQ(body["vehicle_pseudonym"].as_string(), "veh_0001-abc");
  EXPECT_EQ(body["batch_sequence"].to_number<int>(), 7);
  ASSERT_EQ(sender_.calls().size(), 1u);
  EXPECT_EQ(body["message_id"].as_string(), "mid-" + sender_.calls()[0][0].body);
}

// The one upload of the message `sender` got first (a packed QueuedUploads body).
v1::QueuedBatch OnlyUploadSent(const FakeQueueSender& sender) {
  v1::QueuedUploads packed;
  EXPECT_EQ(sender.calls().size(), 1u);
  if (sender.calls().empty()) return {};
  std::optional<std::string> bytes = Base64Decode(sender.calls()[0][0].body);
  EXPECT_TRUE(bytes && packed.ParseFromString(*bytes));
  EXPECT_EQ(packed.uploads_size(), 1);
  return packed.uploads_size() > 0 ? packed.uploads(0) : v1::QueuedBatch();
}

TEST_F(ReportHandlerTest, QueuedBodyIsAPackedQueuedBatchWithReceiveTime) {
  ASSERT_EQ(Call(PostProtobuf(ValidBatch())).status, 200);
  const v1::QueuedBatch queued = OnlyUploadSent(sender_);
  EXPECT_EQ(queued.received_time_ms(), kNowMs);
  EXPECT_EQ(queued.batch().SerializeAsString(), ValidBatch().SerializeAsString());
}

TEST_F(ReportHandlerTest, JsonUploadIsAccepted) {
  std::string json;
  ASSERT_TRUE(google::protobuf::util::MessageToJsonString(ValidBatch(), &json).ok());
  EXPECT_EQ(Call(Post("application/json", json)).status, 200);
}

// The example in schema/README.md, which is judged at kNowMs.
TEST_F(ReportHandlerTest, SchemaReadmeJsonExampleIsAccepted) {
  const std::string json = R"({
  "envelope": {"vehiclePseudonym": "veh_0001-abc", "batchSequence": "7",
               "sentTimeMs": "1764000000000", "softwareVersion": "21.3.1"},
  "reports": [
    {"observedTimeMs": "1763999999000",
     "position": {"latE7": 481371540, "lonE7": 115753950, "headingCdeg": 9000, "speedCms": 1389},
     "probe": {"longitudinalAccelMms2": -500}},
    {"observedTimeMs": "1763999999000",
     "position": {"latE7": 481371540, "lonE7": 115753950},
     "hazard": {"type": "HAZARD_TYPE_FOG", "confidencePct": 80, "ttlS": 600, "eventId": "42"}},
    {"observedTimeMs": "1763999999000",
     "position": {"latE7": 481371540, "lonE7": 115753950},
     "weather": {"wipers": "WIPER_STATE_LOW", "outsideTempDc": -35}}
  ]
})";
  auto r = Call(Post("application/json", json));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(JsonBody(r)["accepted"].to_number<int>(), 3);
}

TEST_F(ReportHandlerTest, GzipUploadIsAccepted) {
  auto request = PostProtobuf(ValidBatch());
  request.body = GzipCompress(request.body);
  request.headers.emplace_back("Content-Encoding", "gzip");
  EXPECT_EQ(Call(std::move(request)).status, 200);
}

TEST_F(ReportHandlerTest, InvalidBatchIs400WithDetailsAndNothingIsEnqueued) {
  auto batch = ValidBatch();
  batch.mutable_reports(3)->mutable_position()->set_lat_e7(952000000);
  auto r = Call(PostProtobuf(batch));
  ASSERT_EQ(r.status, 400);
  auto body = JsonBody(r);
  EXPECT_EQ(body["error"].as_string(), "invalid_request");
  ASSERT_EQ(body["details"].as_array().size(), 1u);
  EXPECT_THAT(std::string(body["details"].as_array()[0].as_string()),
              HasSubstr("reports[3].position.lat_e7"));
  EXPECT_TRUE(sender_.calls().empty());
}

TEST_F(ReportHandlerTest, UndecodableBodyIs400) {
  auto r = Call(Post("application/json", "{not json"));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(JsonBody(r)["error"].as_string(), "invalid_body");
}

TEST_F(ReportHandlerTest, UnsupportedContentTypeIs415) {
  EXPECT_EQ(Call(Post("text/plain", "hello")).status, 415);
}

TEST_F(ReportHandlerTest, UnsupportedContentEncodingIs415) {
  auto request = PostProtobuf(ValidBatch());
  request.headers.emplace_back("Content-Encoding", "br");
  EXPECT_EQ(Call(std::move(request)).status, 415);
}

TEST_F(ReportHandlerTest, ZipBombIs413) {
  auto request = Post("application/x-protobuf", GzipCompress(std::string(8 << 20, '\0')));
  request.headers.emplace_back("Content-Encoding", "gzip");
  auto r = Call(std::move(request));
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(JsonBody(r)["error"].as_string(), "payload_too_large");
}

TEST_F(ReportHandlerTest, UnknownPathIs404) {
  auto request = PostProtobuf(ValidBatch());
  request.target = "/v2/reports";
  EXPECT_EQ(Call(std::move(request)).status, 404);
}

TEST_F(ReportHandlerTest, GetOnReportsIs405WithAllow) {
  auto request = PostProtobuf(ValidBatch());
  request.method = "GET";
  auto r = Call(std::move(request));
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.Header("Allow"), "POST");
}

TEST_F(ReportHandlerTest, HealthzIsOk) {
  net::HttpRequest request;
  request.method = "GET";
  request.target = "/healthz";
  auto r = Call(std::move(request));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"status":"ok"})");
}

TEST_F(ReportHandlerTest, QueueFailureIs503WithRetryAfter) {
  sender_.FailCalls(true);
  auto r = Call(PostProtobuf(ValidBatch()));
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.Header("Retry-After"), "1");
  EXPECT_EQ(JsonBody(r)["error"].as_string(), "queue_unavailable");
}

TEST_F(ReportHandlerTest, FullEnqueuerSheds503BeforeQueueing) {
  sender_.Hold();  // the first upload occupies the only in-flight slot
  auto promise = std::make_shared<std::promise<net::HttpResponse>>();
  handler_.Handle(PostProtobuf(ValidBatch()),
                  [promise](net::HttpResponse r) { promise->set_value(std::move(r)); });
  sender_.AwaitWaiting(1);
  auto shed = Call(PostProtobuf(ValidBatch()));
  EXPECT_EQ(shed.status, 503);
  EXPECT_EQ(shed.Header("Retry-After"), "1");
  EXPECT_EQ(JsonBody(shed)["error"].as_string(), "overloaded");
  sender_.Release();
  EXPECT_EQ(promise->get_future().get().status, 200);
}

TEST_F(ReportHandlerTest, FullEnqueuerShedsBeforeDecoding) {
  sender_.Hold();  // the first upload occupies the only in-flight slot
  auto promise = std::make_shared<std::promise<net::HttpResponse>>();
  handler_.Handle(PostProtobuf(ValidBatch()),
                  [promise](net::HttpResponse r) { promise->set_value(std::move(r)); });
  sender_.AwaitWaiting(1);
  // Not even decoded (it would be a 400): no CPU for uploads that cannot be taken anyway.
  auto shed = Call(Post("application/x-protobuf", "\xff\xff not protobuf"));
  EXPECT_EQ(shed.status, 503);
  EXPECT_EQ(JsonBody(shed)["error"].as_string(), "overloaded");
  sender_.Release();
  EXPECT_EQ(promise->get_future().get().status, 200);
}

TEST_F(ReportHandlerTest, NoAnswerBeforeTheQueueAcknowledged) {
  sender_.Hold();
  auto promise = std::make_shared<std::promise<net::HttpResponse>>();
  auto future = promise->get_future();
  handler_.Handle(PostProtobuf(ValidBatch()),
                  [promise](net::HttpResponse r) { promise->set_value(std::move(r)); });
  sender_.AwaitWaiting(1);  // SendMessageBatch is in progress: the upload must still wait
  EXPECT_EQ(future.wait_for(std::chrono::seconds(0)), std::future_status::timeout);
  sender_.Release();
  EXPECT_EQ(future.get().status, 200);
}

TEST(ReportHandlerQueueDownTest, UploadsGet503AtOnceWhileTheQueueIsKnownDown) {
  FakeQueueSender sender;
  sender.Hold();  // a queue that would never answer
  ReceiverStats stats;
  BatchingEnqueuerOptions eo;
  eo.sender_threads = 1;
  BatchingEnqueuer enqueuer(eo, &sender);
  ReportHandlerOptions ho;
  ho.queue_down = [] { return true; };
  ReportHandler handler(ho, &enqueuer, &stats, [] { return kNowMs; });
  net::HttpResponse answer;
  handler.Handle(PostProtobuf(ValidBatch()), [&](net::HttpResponse r) { answer = std::move(r); });
  // Answered synchronously, without waiting for (or reaching) the queue.
  EXPECT_EQ(answer.status, 503);
  EXPECT_EQ(answer.Header("Retry-After"), "1");
  EXPECT_EQ(JsonBody(answer)["error"].as_string(), "queue_unavailable");
  EXPECT_EQ(enqueuer.inflight(), 0u);
  sender.Release();
}

TEST_F(ReportHandlerTest, DrainingHandlerSheds503) {
  handler_.StartDraining();
  EXPECT_EQ(Call(PostProtobuf(ValidBatch())).status, 503);
}

net::HttpRequest Get(std::string target) {
  net::HttpRequest r;
  r.method = "GET";
  r.target = std::move(target);
  return r;
}

TEST_F(ReportHandlerTest, ReadyzIsOkWithoutAReadinessCheck) {
  EXPECT_EQ(Call(Get("/readyz")).status, 200);
}

TEST_F(ReportHandlerTest, ReadyzIs503WhileDraining) {
  handler_.StartDraining();
  auto r = Call(Get("/readyz"));
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(JsonBody(r)["error"].as_string(), "shutting_down");
}

TEST_F(ReportHandlerTest, MetricsCountAnswersByStatusAndRejectionsByReason) {
  ASSERT_EQ(Call(PostProtobuf(ValidBatch())).status, 200);
  ASSERT_EQ(Call(Post("text/plain", "x")).status, 415);
  auto r = Call(Get("/metrics"));
  ASSERT_EQ(r.status, 200);
  EXPECT_THAT(std::string(r.Header("Content-Type")), HasSubstr("text/plain; version=0.0.4"));
  EXPECT_THAT(r.body, HasSubstr("roadsense_receiver_http_responses_total{code=\"200\"} 1\n"));
  EXPECT_THAT(r.body, HasSubstr("roadsense_receiver_http_responses_total{code=\"415\"} 1\n"));
  EXPECT_THAT(r.body, HasSubstr("roadsense_receiver_uploads_rejected_total{reason=\""
                                "unsupported_media_type\"} 1\n"));
  EXPECT_THAT(r.body, HasSubstr("roadsense_receiver_reports_accepted_total 4\n"));
  EXPECT_THAT(r.body, HasSubstr("roadsense_receiver_inflight_uploads 0\n"));
  EXPECT_THAT(r.body, HasSubstr("roadsense_receiver_ready 1\n"));
  EXPECT_THAT(r.body, HasSubstr("roadsense_receiver_enqueue_latency_seconds_count 1\n"));
}

TEST_F(ReportHandlerTest, MetricsCountsShedUploads) {
  handler_.StartDraining();
  ASSERT_EQ(Call(PostProtobuf(ValidBatch())).status, 503);
  EXPECT_THAT(Call(Get("/metrics")).body, HasSubstr("roadsense_receiver_uploads_shed_total 1\n"));
}

TEST_F(ReportHandlerTest, PostOnMetricsIs405) {
  auto request = Get("/metrics");
  request.method = "POST";
  EXPECT_EQ(Call(std::move(request)).status, 405);
}

TEST_F(ReportHandlerTest, AnswersEchoTheClientsRequestId) {
  auto request = PostProtobuf(ValidBatch());
  request.headers.emplace_back("X-Request-Id", "car-42.upload-7");
  EXPECT_EQ(Call(std::move(request)).Header("X-Request-Id"), "car-42.upload-7");
}

TEST_F(ReportHandlerTest, AnswersGetAFreshRequestIdWhenTheClientsIsMissingOrUnsafe) {
  auto request = Get("/healthz");
  request.headers.emplace_back("X-Request-Id", "evil\r\nheader");
  const std::string first(Call(std::move(request)).Header("X-Request-Id"));
  const std::string second(Call(Get("/healthz")).Header("X-Request-Id"));
  EXPECT_EQ(first.size(), 16u);
  EXPECT_EQ(second.size(), 16u);
  EXPECT_NE(first, second);
}

// A handler whose readiness check is scripted and whose uploads need fleet credentials.
class ReportHandlerAuthTest : public ::testing::Test {
 protected:
  ReportHandlerAuthTest() {
    {
      std::ofstream out(keys_path_);
      out << "acme " << Sha256Hex("acme-key") << "\n";
    }
    EXPECT_TRUE(auth_.Reload().ok());
    BatchingEnqueuerOptions eo;
    eo.sender_threads = 1;
    eo.linger = std::chrono::microseconds(0);
    ReportHandlerOptions ho;
    ho.authenticator = &auth_;
    ho.readiness = [this] { return ready_.load() ? Status::Ok() : Unavailable("refused"); };
    enqueuer_ = std::make_unique<BatchingEnqueuer>(eo, &sender_);
    handler_ = std::make_unique<ReportHandler>(ho, enqueuer_.get(), &stats_, [] { return kNowMs; });
  }

  net::HttpResponse Call(net::HttpRequest request) {
    auto promise = std::make_shared<std::promise<net::HttpResponse>>();
    auto future = promise->get_future();
    handler_->Handle(std::move(request),
                     [promise](net::HttpResponse r) { promise->set_value(std::move(r)); });
    return future.get();
  }
  static net::HttpRequest Upload(const std::string& authorization, const std::string& fleet) {
    auto batch = ValidBatch();
    batch.mutable_envelope()->set_fleet_id(fleet);
    auto r = PostProtobuf(batch);
    if (!authorization.empty()) r.headers.emplace_back("Authorization", authorization);
    return r;
  }

  roadsense::testing::TempDir dir_;
  std::string keys_path_ = dir_.path() + "/keys";
  FleetAuthenticator auth_{keys_path_};
  std::atomic<bool> ready_{true};
  FakeQueueSender sender_;
  ReceiverStats stats_;
  std::unique_ptr<BatchingEnqueuer> enqueuer_;
  std::unique_ptr<ReportHandler> handler_;
};

TEST_F(ReportHandlerAuthTest, OwnFleetUploadIsQueuedWithTheAuthenticatedFleet) {
  auto r = Call(Upload("Bearer acme:acme-key", "acme"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(OnlyUploadSent(sender_).fleet_id(), "acme");
}

TEST_F(ReportHandlerAuthTest, MissingCredentialsAre401WithChallenge) {
  auto r = Call(Upload("", "acme"));
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(JsonBody(r)["error"].as_string(), "unauthenticated");
  EXPECT_THAT(std::string(r.Header("WWW-Authenticate")), HasSubstr("Bearer"));
  EXPECT_TRUE(sender_.calls().empty());
}

TEST_F(ReportHandlerAuthTest, WrongKeyIs401) {
  EXPECT_EQ(Call(Upload("Bearer acme:guess", "acme")).status, 401);
  EXPECT_TRUE(sender_.calls().empty());
}

TEST_F(ReportHandlerAuthTest, UnknownFleetIs403) {
  auto r = Call(Upload("Bearer globex:acme-key", "globex"));
  EXPECT_EQ(r.status, 403);
  EXPECT_THAT(std::string(JsonBody(r)["message"].as_string()), HasSubstr("globex"));
  EXPECT_TRUE(sender_.calls().empty());
}

TEST_F(ReportHandlerAuthTest, UploadForAnotherFleetIs403) {
  auto r = Call(Upload("Bearer acme:acme-key", "globex"));
  EXPECT_EQ(r.status, 403);
  EXPECT_THAT(std::string(JsonBody(r)["message"].as_string()), HasSubstr("envelope.fleet_id"));
  EXPECT_TRUE(sender_.calls().empty());
}

TEST_F(ReportHandlerAuthTest, UploadWithoutFleetIdIs403) {
  EXPECT_EQ(Call(Upload("Bearer acme:acme-key", "")).status, 403);
  EXPECT_TRUE(sender_.calls().empty());
}

TEST_F(ReportHandlerAuthTest, ReadyzFollowsTheReadinessCheck) {
  EXPECT_EQ(Call(Get("/readyz")).status, 200);
  ready_ = false;
  auto r = Call(Get("/readyz"));
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.Header("Retry-After"), "1");
  EXPECT_THAT(std::string(JsonBody(r)["message"].as_string()), HasSubstr("refused"));
  EXPECT_THAT(Call(Get("/metrics")).body, HasSubstr("roadsense_receiver_ready 0\n"));
}

TEST_F(ReportHandlerAuthTest, MetricsReportTheLoadedFleets) {
  EXPECT_THAT(Call(Get("/metrics")).body, HasSubstr("roadsense_receiver_auth_fleets 1\n"));
}

TEST(MaxBodyBytesTest, DefaultFitsOneSqsMessageAndOneMebibyteDoesNot) {
  EXPECT_TRUE(MaxBodyBytesFitsQueue(512 * 1024));
  EXPECT_TRUE(MaxBodyBytesFitsQueue(760 * 1024));  // "at most ~768 KiB" (receiver/main.cc)
  EXPECT_FALSE(MaxBodyBytesFitsQueue(768 * 1024));
  EXPECT_FALSE(MaxBodyBytesFitsQueue(1024 * 1024));
}

}  // namespace
}  // namespace roadsense::receiver
