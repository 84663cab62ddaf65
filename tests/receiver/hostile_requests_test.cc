// Malformed and hostile requests against the receiver's real HTTP stack (net::HttpServer +
// ReportHandler, authentication on, fake queue): each is answered with the right status and a
// message naming the problem, and nothing reaches the queue. Requests are written as raw bytes
// over a socket so that broken framing, oversize headers and slow clients can be expressed.
#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <functional>
#include <thread>

#include "core/digest.h"
#include "core/gzip_codec.h"
#include "net/http_server.h"
#include "receiver/fleet_authenticator.h"
#include "receiver/report_handler.h"
#include "tests/receiver/fake_queue_sender.h"
#include "tests/receiver/test_batches.h"
#include "tests/support/child_process.h"

namespace roadsense::receiver {
namespace {

using testing::FakeQueueSender;
using ::testing::HasSubstr;
using testing::kNowMs;
using testing::ValidBatch;

constexpr size_t kMaxBodyBytes = 64 * 1024;
constexpr int kMaxReports = 100;
constexpr std::string_view kGoodAuth = "Bearer acme:acme-key";

// A connected TCP socket to 127.0.0.1:port with a 5 s receive timeout; closed on destruction.
class RawSocket {
 public:
  explicit RawSocket(uint16_t port) : fd_(socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    timeval tv{5, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~RawSocket() { close(fd_); }

  bool connected() const { return connected_; }
  // False once the peer closed (EPIPE/ECONNRESET).
  bool Send(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }
  // Reads one response (status line, headers, Content-Length body). Returns "" when the peer
  // closed (or reset) before a complete response.
  std::string ReadResponse() {
    std::string data;
    char buf[4096];
    for (;;) {
      const size_t head_end = data.find("\r\n\r\n");
      if (head_end != std::string::npos) {
        size_t length = 0;
        const size_t cl = ToLower(data.substr(0, head_end)).find("content-length:");
        if (cl != std::string::npos) length = std::stoul(data.substr(cl + 15));
        if (data.size() >= head_end + 4 + length) return data.substr(0, head_end + 4 + length);
      }
      const ssize_t n = recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return "";
      data.append(buf, static_cast<size_t>(n));
    }
  }
  // Whether the peer closed the connection (recv returns 0 or a reset) within the receive timeout.
  bool PeerClosed() {
    char c;
    const ssize_t n = recv(fd_, &c, 1, 0);
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
  }

 private:
  static std::string ToLower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  }
  int fd_;
  bool connected_ = false;
};

int StatusOf(const std::string& response) {
  if (response.rfind("HTTP/1.1 ", 0) != 0 || response.size() < 12) return 0;
  return std::stoi(response.substr(9, 3));
}

std::string BodyOf(const std::string& response) {
  const size_t head_end = response.find("\r\n\r\n");
  return head_end == std::string::npos ? "" : response.substr(head_end + 4);
}

struct Headers {
  std::string content_type = "application/x-protobuf";
  std::string authorization = std::string(kGoodAuth);
  std::string extra;  // more raw header lines, each ending in \r\n
};

Headers WithAuth(std::string v) {
  Headers h;
  h.authorization = std::move(v);
  return h;
}
Headers WithType(std::string v) {
  Headers h;
  h.content_type = std::move(v);
  return h;
}
Headers WithExtra(std::string v) {
  Headers h;
  h.extra = std::move(v);
  return h;
}

std::string RawRequest(std::string_view method, std::string_view target, const Headers& h,
                       std::string_view body) {
  std::string r = std::string(method) + " " + std::string(target) + " HTTP/1.1\r\nHost: test\r\n";
  if (!h.content_type.empty()) r += "Content-Type: " + h.content_type + "\r\n";
  if (!h.authorization.empty()) r += "Authorization: " + h.authorization + "\r\n";
  r += h.extra;
  r += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  r += body;
  return r;
}

v1::ReportBatch AcmeBatch() {
  v1::ReportBatch b = ValidBatch();
  b.mutable_envelope()->set_fleet_id("acme");
  return b;
}

std::string Post(const v1::ReportBatch& batch, Headers h = {}) {
  return RawRequest("POST", "/v1/reports", h, batch.SerializeAsString());
}

// A valid batch with one rule broken by `edit`.
std::string PostBroken(const std::function<void(v1::ReportBatch&)>& edit) {
  v1::ReportBatch b = AcmeBatch();
  edit(b);
  return Post(b);
}

std::string Json(const v1::ReportBatch& b) {
  std::string json;
  (void)google::protobuf::util::MessageToJsonString(b, &json);
  return json;
}

struct HostileCase {
  std::string name;
  std::function<std::string()> request;  // raw bytes
  int status;
  std::string message;  // must appear in the answer's body
};

std::vector<HostileCase> Cases() {
  const Headers json = WithType("application/json");
  Headers gzip;
  gzip.extra = "Content-Encoding: gzip\r\n";
  return {
      // Authentication.
      {"NoAuthorization", [] { return Post(AcmeBatch(), WithAuth("")); }, 401,
       "missing Authorization header"},
      {"BasicScheme", [] { return Post(AcmeBatch(), WithAuth("Basic YTpi")); }, 401,
       "must be `Bearer <fleet_id>:<api_key>`"},
      {"TokenWithoutColon", [] { return Post(AcmeBatch(), WithAuth("Bearer acme")); }, 401,
       "`<fleet_id>:<api_key>`"},
      {"WrongKey", [] { return Post(AcmeBatch(), WithAuth("Bearer acme:guess")); }, 401,
       "invalid API key for fleet 'acme'"},
      {"UnknownFleet", [] { return Post(AcmeBatch(), WithAuth("Bearer globex:acme-key")); }, 403,
       "fleet 'globex' is not allowed"},
      {"OtherFleetsVehicles",
       [] { return PostBroken([](auto& b) { b.mutable_envelope()->set_fleet_id("globex"); }); },
       403, "envelope.fleet_id 'globex' is not the authenticated fleet 'acme'"},
      // Media types.
      {"NoContentType", [] { return Post(AcmeBatch(), WithType("")); }, 415,
       "Content-Type must be"},
      {"TextPlain", [] { return Post(AcmeBatch(), WithType("text/plain")); }, 415,
       "got 'text/plain'"},
      {"BrotliEncoding", [] { return Post(AcmeBatch(), WithExtra("Content-Encoding: br\r\n")); },
       415, "Content-Encoding must be gzip or absent, got 'br'"},
      // Bodies that do not decode.
      {"TruncatedProtobuf",
       [] {
         const std::string full = AcmeBatch().SerializeAsString();
         return RawRequest("POST", "/v1/reports", {}, full.substr(0, full.size() - 7));
       },
       400, "not a valid protobuf ReportBatch"},
      {"GarbageProtobuf", [] { return RawRequest("POST", "/v1/reports", {}, "\xff\xff\xff\xff"); },
       400, "not a valid protobuf ReportBatch"},
      {"BadJson", [json] { return RawRequest("POST", "/v1/reports", json, "{\"envelope\": {"); },
       400, "not a valid JSON ReportBatch"},
      {"JsonWrongType",
       [json] {
         return RawRequest("POST", "/v1/reports", json,
                           R"({"reports":[{"position":{"latE7":"north"}}]})");
       },
       400, "not a valid JSON ReportBatch"},
      {"JsonArrayInsteadOfObject",
       [json] { return RawRequest("POST", "/v1/reports", json, "[1,2,3]"); }, 400,
       "not a valid JSON ReportBatch"},
      {"CorruptGzip",
       [gzip] { return RawRequest("POST", "/v1/reports", gzip, "\x1f\x8b\x08garbage"); }, 400,
       "gzip"},
      {"ZipBomb",
       [gzip] {
         return RawRequest("POST", "/v1/reports", gzip, GzipCompress(std::string(4 << 20, 'a')));
       },
       413, "body"},
      {"OversizeBodyOnTheWire",
       [] {
         return RawRequest("POST", "/v1/reports", {}, std::string(kMaxBodyBytes + 128 * 1024, 'x'));
       },
       413, "request body exceeds the 131072-byte limit"},
      {"EmptyBody", [] { return RawRequest("POST", "/v1/reports", {}, ""); }, 400,
       "envelope: required"},
      // Decoded, but breaking rules.
      {"TooManyReports",
       [] {
         return PostBroken([](auto& b) {
           while (b.reports_size() <= kMaxReports) *b.add_reports() = b.reports(0);
         });
       },
       400, "reports: 101 reports is outside 1..100"},
      {"LatitudeOutOfRange",
       [] {
         return PostBroken(
             [](auto& b) { b.mutable_reports(3)->mutable_position()->set_lat_e7(952000000); });
       },
       400, "reports[3].position.lat_e7"},
      {"LongitudeOutOfRange",
       [] {
         return PostBroken(
             [](auto& b) { b.mutable_reports(0)->mutable_position()->set_lon_e7(1810000000); });
       },
       400, "reports[0].position.lon_e7"},
      {"ReportFromTheFuture",
       [] {
         return PostBroken(
             [](auto& b) { b.mutable_reports(1)->set_observed_time_ms(kNowMs + 3600000); });
       },
       400, "reports[1].observed_time_ms"},
      {"ReportTooOld",
       [] {
         return PostBroken(
             [](auto& b) { b.mutable_reports(2)->set_observed_time_ms(kNowMs - 30LL * 86400000); });
       },
       400, "reports[2].observed_time_ms"},
      {"SpeedOutOfRange",
       [] {
         return PostBroken(
             [](auto& b) { b.mutable_reports(0)->mutable_position()->set_speed_cms(15001); });
       },
       400, "reports[0].position.speed_cms: 15001 is outside 0..15000"},
      {"HeadingOutOfRange",
       [] {
         return PostBroken(
             [](auto& b) { b.mutable_reports(0)->mutable_position()->set_heading_cdeg(36000); });
       },
       400, "reports[0].position.heading_cdeg"},
      {"UnknownHazardType",
       [] {
         return PostBroken([](auto& b) {
           b.mutable_reports(1)->mutable_hazard()->set_type(static_cast<v1::HazardType>(99));
         });
       },
       400, "reports[1].hazard.type: 99 is not a known HazardType"},
      {"ConfidenceAbove100",
       [] {
         return PostBroken(
             [](auto& b) { b.mutable_reports(1)->mutable_hazard()->set_confidence_pct(101); });
       },
       400, "reports[1].hazard.confidence_pct"},
      {"MissingPseudonym",
       [] { return PostBroken([](auto& b) { b.mutable_envelope()->clear_vehicle_pseudonym(); }); },
       400, "envelope.vehicle_pseudonym"},
      {"ZeroBatchSequence",
       [] { return PostBroken([](auto& b) { b.mutable_envelope()->set_batch_sequence(0); }); }, 400,
       "envelope.batch_sequence"},
      {"ReportWithoutPayload",
       [] { return PostBroken([](auto& b) { b.mutable_reports(0)->clear_probe(); }); }, 400,
       "reports[0].payload: required"},
      {"ReportWithoutPosition",
       [] { return PostBroken([](auto& b) { b.mutable_reports(2)->clear_position(); }); }, 400,
       "reports[2].position: required"},
      {"ValidJsonBreakingRules",
       [json] {
         v1::ReportBatch b = AcmeBatch();
         b.mutable_reports(0)->mutable_position()->set_lat_e7(-952000000);
         return RawRequest("POST", "/v1/reports", json, Json(b));
       },
       400, "reports[0].position.lat_e7"},
      // HTTP level.
      {"HeaderTooLarge",
       [] {
         return Post(AcmeBatch(), WithExtra("X-Padding: " + std::string(20000, 'p') + "\r\n"));
       },
       431, "request header exceeds the 8192-byte limit"},
      {"GetOnReports", [] { return RawRequest("GET", "/v1/reports", {}, ""); }, 405,
       "accepts only POST"},
      {"UnknownPath", [] { return Post(AcmeBatch()).replace(5, 11, "/v1/reportz"); }, 404,
       "no such path: /v1/reportz"},
      {"MalformedRequestLine", [] { return std::string("POST\r\n\r\n"); }, 400,
       "malformed request"},
      {"BadContentLength",
       [] {
         return std::string("POST /v1/reports HTTP/1.1\r\nHost: t\r\nContent-Length: -5\r\n\r\n");
       },
       400, "malformed request"},
  };
}

class ReceiverUnderAttack : public ::testing::Test {
 protected:
  void SetUp() override {
    {
      std::ofstream out(keys_path_);
      out << "acme " << Sha256Hex("acme-key") << "\n";
    }
    ASSERT_TRUE(auth_.Reload().ok());
    BatchingEnqueuerOptions eo;
    eo.sender_threads = 1;
    enqueuer_ = std::make_unique<BatchingEnqueuer>(eo, &sender_);
    ReportHandlerOptions ho;
    ho.max_body_bytes = kMaxBodyBytes;
    ho.limits.max_reports = kMaxReports;
    ho.authenticator = &auth_;
    handler_ = std::make_unique<ReportHandler>(ho, enqueuer_.get(), &stats_, [] { return kNowMs; });
    net::HttpServerOptions so;
    so.listen = "127.0.0.1:0";
    so.threads = 2;
    so.body_limit = kMaxBodyBytes + 64 * 1024;  // as roadsense-receiver sets it: 131072
    so.header_limit = 8 * 1024;
    so.read_timeout = std::chrono::milliseconds(300);
    so.idle_timeout = std::chrono::milliseconds(300);
    so.max_connections = max_connections_;
    server_ = std::make_unique<net::HttpServer>(so, [this](net::HttpRequest&& r, net::Responder s) {
      handler_->Handle(std::move(r), std::move(s));
    });
    ASSERT_TRUE(server_->Start().ok());
  }
  void TearDown() override {
    server_->Stop();
    enqueuer_->Stop();
  }

  size_t max_connections_ = 64;
  roadsense::testing::TempDir dir_;
  std::string keys_path_ = dir_.path() + "/keys";
  FleetAuthenticator auth_{keys_path_};
  FakeQueueSender sender_;
  ReceiverStats stats_;
  std::unique_ptr<BatchingEnqueuer> enqueuer_;
  std::unique_ptr<ReportHandler> handler_;
  std::unique_ptr<net::HttpServer> server_;
};

// The control: the same harness accepts and enqueues a well-formed upload.
TEST_F(ReceiverUnderAttack, WellFormedUploadIsAcceptedAndEnqueued) {
  RawSocket s(server_->port());
  ASSERT_TRUE(s.Send(Post(AcmeBatch())));
  const std::string response = s.ReadResponse();
  EXPECT_EQ(StatusOf(response), 200) << response;
  EXPECT_EQ(sender_.calls().size(), 1u);
}

TEST_F(ReceiverUnderAttack, EachHostileRequestIsRefusedWithItsReasonAndNothingIsEnqueued) {
  const std::vector<HostileCase> cases = Cases();
  ASSERT_GE(cases.size(), 30u);
  for (const HostileCase& c : cases) {
    SCOPED_TRACE(c.name);
    RawSocket s(server_->port());
    ASSERT_TRUE(s.connected());
    s.Send(c.request());  // the server may close before reading everything (oversize bodies)
    const std::string response = s.ReadResponse();
    EXPECT_EQ(StatusOf(response), c.status) << response.substr(0, 500);
    EXPECT_THAT(BodyOf(response), HasSubstr(c.message));
  }
  EXPECT_TRUE(sender_.calls().empty());
}

TEST_F(ReceiverUnderAttack, SlowLorisHeadersAreCutOffByTheReadTimeout) {
  RawSocket s(server_->port());
  ASSERT_TRUE(s.Send("POST /v1/reports HTTP/1.1\r\nHost: t\r\n"));
  // One header byte every 50 ms would take 10 s for this header; the 300 ms budget for the whole
  // request ends it long before.
  bool closed = false;
  for (int i = 0; i < 200 && !closed; ++i) {
    if (!s.Send("X")) closed = true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (i % 10 == 9 && !s.Send("-")) closed = true;
  }
  EXPECT_TRUE(closed || s.PeerClosed());
  EXPECT_TRUE(sender_.calls().empty());
}

TEST_F(ReceiverUnderAttack, SlowBodyIsCutOffByTheReadTimeout) {
  const std::string body = AcmeBatch().SerializeAsString();
  RawSocket s(server_->port());
  Headers h;
  std::string request = RawRequest("POST", "/v1/reports", h, body);
  const std::string head = request.substr(0, request.size() - body.size());
  ASSERT_TRUE(s.Send(head));
  bool closed = false;
  for (size_t i = 0; i < body.size() && !closed; ++i) {
    if (!s.Send(body.substr(i, 1))) closed = true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  // Either the server hung up mid-body, or (never expected) it answered the full body.
  EXPECT_TRUE(closed || s.PeerClosed());
  EXPECT_TRUE(sender_.calls().empty());
}

TEST_F(ReceiverUnderAttack, IdleConnectionIsClosedByTheIdleTimeout) {
  RawSocket s(server_->port());
  ASSERT_TRUE(s.Send(RawRequest("GET", "/healthz", {}, "")));
  ASSERT_EQ(StatusOf(s.ReadResponse()), 200);
  EXPECT_TRUE(s.PeerClosed());  // within the 5 s receive timeout; the idle timeout is 300 ms
}

class ReceiverConnectionCap : public ReceiverUnderAttack {
 protected:
  void SetUp() override {
    max_connections_ = 2;
    ReceiverUnderAttack::SetUp();
  }
};

TEST_F(ReceiverConnectionCap, ConnectionsBeyondTheCapAreClosed) {
  std::vector<std::unique_ptr<RawSocket>> open;
  for (int i = 0; i < 2; ++i) {
    open.push_back(std::make_unique<RawSocket>(server_->port()));
    ASSERT_TRUE(open.back()->Send(RawRequest("GET", "/healthz", {}, "")));
    ASSERT_EQ(StatusOf(open.back()->ReadResponse()), 200);  // accepted and kept alive
  }
  RawSocket third(server_->port());
  third.Send(RawRequest("GET", "/healthz", {}, ""));
  EXPECT_EQ(third.ReadResponse(), "");
}

}  // namespace
}  // namespace roadsense::receiver
