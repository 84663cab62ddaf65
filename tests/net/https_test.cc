// TLS in net/: HttpServer with a certificate and HttpClient on https URLs, against a certificate
// generated for this test run.
#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <thread>

#include "net/http_client.h"
#include "net/http_server.h"
#include "tests/support/child_process.h"
#include "tests/support/tls_test_certificate.h"

namespace roadsense::net {
namespace {

using std::chrono::milliseconds;
using ::testing::HasSubstr;

constexpr milliseconds kTimeout{5000};

HttpRequest Get(std::string target) {
  HttpRequest request;
  request.method = "GET";
  request.target = std::move(target);
  return request;
}

HttpUrl Url(const std::string& text) {
  auto url = ParseHttpUrl(text);
  EXPECT_TRUE(url.ok()) << url.status().ToString();
  return *url;
}

class HttpsTest : public ::testing::Test {
 protected:
  // Starts a TLS server on `listen` answering with the request's remote address and `secure`.
  void StartServer(std::string listen = "127.0.0.1:0") {
    HttpServerOptions options;
    options.listen = std::move(listen);
    options.threads = 2;
    options.read_timeout = milliseconds(300);
    options.idle_timeout = milliseconds(100);
    options.tls_certificate_file = cert_.certificate_file;
    options.tls_private_key_file = cert_.private_key_file;
    server_ = std::make_unique<HttpServer>(options, [this](HttpRequest&& request, Responder r) {
      ++handled_;
      HttpResponse response = HttpResponse::Text(200, request.body);
      response.SetHeader("X-Remote", request.remote_address);
      response.SetHeader("X-Secure", request.secure ? "yes" : "no");
      r(std::move(response));
    });
    ASSERT_TRUE(server_->Start().ok());
  }

  std::string Origin(const std::string& host = "127.0.0.1") const {
    return "https://" + host + ":" + std::to_string(server_->port());
  }

  roadsense::testing::TempDir dir_;
  roadsense::testing::TlsTestCertificate cert_ =
      roadsense::testing::WriteTlsTestCertificate(dir_.path());
  std::atomic<int> handled_{0};
  std::unique_ptr<HttpServer> server_;
};

TEST_F(HttpsTest, RoundTripsOverOneKeptAliveTlsConnection) {
  StartServer();
  HttpClient client(Url(Origin()), {.tls_ca_file = cert_.certificate_file});
  std::string first_remote;
  for (int i = 0; i < 3; ++i) {
    HttpRequest request = Get("/echo");
    request.method = "POST";
    request.body = "secret " + std::to_string(i);
    auto response = client.RoundTrip(request, kTimeout);
    ASSERT_TRUE(response.ok()) << response.status().ToString();
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(response->body, "secret " + std::to_string(i));
    EXPECT_EQ(response->Header("X-Secure"), "yes");
    if (i == 0) first_remote = std::string(response->Header("X-Remote"));
    EXPECT_EQ(response->Header("X-Remote"), first_remote);  // same connection each time
  }
}

TEST_F(HttpsTest, VerifiesTheDnsNameAndSendsItAsSni) {
  StartServer();
  HttpClient client(Url(Origin("localhost")), {.tls_ca_file = cert_.certificate_file});
  auto response = client.RoundTrip(Get("/"), kTimeout);
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 200);
}

TEST_F(HttpsTest, ClientRejectsAnUntrustedCertificate) {
  StartServer();
  const auto other = roadsense::testing::WriteTlsTestCertificate(dir_.path(), "other");
  HttpClient client(Url(Origin()), {.tls_ca_file = other.certificate_file});
  auto response = client.RoundTrip(Get("/"), kTimeout);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(response.status().message(), HasSubstr("certificate"));
  EXPECT_EQ(handled_.load(), 0);
}

TEST_F(HttpsTest, ClientRejectsACertificateForAnotherHost) {
  // 127.0.0.2 is loopback too, but the certificate names only localhost, 127.0.0.1 and ::1.
  StartServer("127.0.0.2:0");
  HttpClient client(Url(Origin("127.0.0.2")), {.tls_ca_file = cert_.certificate_file});
  auto response = client.RoundTrip(Get("/"), kTimeout);
  ASSERT_FALSE(response.ok());
  EXPECT_THAT(response.status().message(), HasSubstr("IP address mismatch"));
  EXPECT_EQ(handled_.load(), 0);
}

TEST_F(HttpsTest, DefaultTrustStoreHonoursSslCertFile) {
  StartServer();
  {
    HttpClient system_store(Url(Origin()));
    EXPECT_FALSE(system_store.RoundTrip(Get("/"), kTimeout).ok());
  }
  ASSERT_EQ(setenv("SSL_CERT_FILE", cert_.certificate_file.c_str(), 1), 0);
  HttpClient client(Url(Origin()));
  auto response = client.RoundTrip(Get("/"), kTimeout);
  unsetenv("SSL_CERT_FILE");
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 200);
}

TEST_F(HttpsTest, PlainHttpToATlsPortIsClosedWithoutServing) {
  StartServer();
  HttpClient client("127.0.0.1", server_->port());
  auto response = client.RoundTrip(Get("/"), kTimeout);
  ASSERT_FALSE(response.ok()) << response->status << " " << response->body;
  EXPECT_EQ(response.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(handled_.load(), 0);
}

TEST_F(HttpsTest, StalledHandshakeIsCutOffByTheReadTimeout) {
  StartServer();
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(server_->port());
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  timeval tv{5, 0};  // the server's read timeout is 300 ms
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  char c;
  const ssize_t n = recv(fd, &c, 1, 0);  // no ClientHello: the server must give up and close
  EXPECT_TRUE(n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) << n;
  close(fd);
}

TEST_F(HttpsTest, StartFailsOnAKeyThatDoesNotMatchTheCertificate) {
  const auto other = roadsense::testing::WriteTlsTestCertificate(dir_.path(), "other");
  HttpServerOptions options;
  options.listen = "127.0.0.1:0";
  options.tls_certificate_file = cert_.certificate_file;
  options.tls_private_key_file = other.private_key_file;
  HttpServer server(options, [](HttpRequest&&, Responder r) { r(HttpResponse::Text(200, "")); });
  const Status status = server.Start();
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("mismatch"));
}

TEST_F(HttpsTest, StartFailsOnAMissingCertificateFile) {
  HttpServerOptions options;
  options.listen = "127.0.0.1:0";
  options.tls_certificate_file = dir_.path() + "/missing.crt";
  options.tls_private_key_file = cert_.private_key_file;
  HttpServer server(options, [](HttpRequest&&, Responder r) { r(HttpResponse::Text(200, "")); });
  const Status status = server.Start();
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("missing.crt"));
}

TEST_F(HttpsTest, ConnectionTheServerClosedWhileIdleIsReplacedTransparently) {
  StartServer();
  HttpClient client(Url(Origin()), {.tls_ca_file = cert_.certificate_file});
  auto first = client.RoundTrip(Get("/"), kTimeout);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  std::this_thread::sleep_for(milliseconds(400));  // past the server's 100 ms idle timeout
  auto second = client.RoundTrip(Get("/"), kTimeout);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_NE(second->Header("X-Remote"), first->Header("X-Remote"));  // a new connection
}

}  // namespace
}  // namespace roadsense::net
