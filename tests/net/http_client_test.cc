// HttpClient against a scripted raw TCP server: the exact request bytes on the wire, and
// responses that arrive in pieces, chunked, framed by the connection's end, too slowly or cut off.
#include "net/http_client.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <vector>

namespace roadsense::net {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

// Accepts connections one after another on 127.0.0.1 (port 0); for each it reads requests (head
// up to the blank line plus Content-Length bytes) and calls `serve(connection fd, request text,
// request number)`, which writes the answer. `serve` returning false closes the connection.
class ScriptedServer {
 public:
  using Serve = std::function<bool(int fd, const std::string& request, int number)>;

  explicit ScriptedServer(Serve serve) : serve_(std::move(serve)) {
    listener_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    EXPECT_EQ(bind(listener_, reinterpret_cast<sockaddr*>(&address), length), 0);
    EXPECT_EQ(listen(listener_, 8), 0);
    getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { Run(); });
  }
  ~ScriptedServer() {
    shutdown(listener_, SHUT_RDWR);
    close(listener_);
    thread_.join();
  }
  uint16_t port() const { return port_; }
  const std::vector<std::string>& requests() const { return requests_; }  // after the exchange
  int connections() const { return connections_; }

 private:
  void Run() {
    for (;;) {
      const int fd = accept(listener_, nullptr, nullptr);
      if (fd < 0) return;
      ++connections_;
      std::string pending;
      for (bool open = true; open;) {
        std::string request;
        if (!ReadRequest(fd, &pending, &request)) break;
        requests_.push_back(request);
        open = serve_(fd, request, static_cast<int>(requests_.size()));
      }
      close(fd);
    }
  }

  static bool ReadRequest(int fd, std::string* pending, std::string* request) {
    char chunk[4096];
    for (;;) {
      const size_t head_end = pending->find("\r\n\r\n");
      if (head_end != std::string::npos) {
        size_t body = 0;
        const size_t at = pending->find("Content-Length: ");
        if (at != std::string::npos && at < head_end) body = std::stoul(pending->substr(at + 16));
        const size_t total = head_end + 4 + body;
        if (pending->size() >= total) {
          *request = pending->substr(0, total);
          pending->erase(0, total);
          return true;
        }
      }
      const ssize_t got = recv(fd, chunk, sizeof(chunk), 0);
      if (got <= 0) return false;
      pending->append(chunk, static_cast<size_t>(got));
    }
  }

  Serve serve_;
  int listener_ = -1;
  uint16_t port_ = 0;
  std::thread thread_;
  std::vector<std::string> requests_;
  int connections_ = 0;
};

// Writes `pieces` one after another, `gap` apart.
void WritePieces(int fd, const std::vector<std::string>& pieces, milliseconds gap) {
  for (const std::string& piece : pieces) {
    send(fd, piece.data(), piece.size(), MSG_NOSIGNAL);
    std::this_thread::sleep_for(gap);
  }
}

HttpRequest Post(std::string body) {
  HttpRequest request;
  request.method = "POST";
  request.target = "/000000000000/q";
  request.headers = {{"Content-Type", "application/x-amz-json-1.0"},
                     {"X-Amz-Target", "AmazonSQS.SendMessage"},
                     {"X-Dup", "one"},
                     {"Authorization", "  AWS4-HMAC-SHA256 Credential=x  "},
                     {"x-dup", "two"}};
  request.body = std::move(body);
  return request;
}

constexpr milliseconds kTimeout{5000};
const std::string kOk = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";

TEST(HttpClientTest, RequestBytesOnTheWire) {
  ScriptedServer server([](int fd, const std::string&, int) {
    WritePieces(fd, {kOk}, milliseconds(0));
    return true;
  });
  HttpClient client("127.0.0.1", server.port());
  auto response = client.RoundTrip(Post("{\"a\":1}"), kTimeout);
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  HttpRequest get;
  get.method = "GET";
  get.target = "/metrics";
  ASSERT_TRUE(client.RoundTrip(get, kTimeout).ok());
  ASSERT_EQ(server.requests().size(), 2u);
  // Host and Content-Length appended, values trimmed, a repeated name kept next to its first.
  EXPECT_EQ(server.requests()[0],
            "POST /000000000000/q HTTP/1.1\r\n"
            "Content-Type: application/x-amz-json-1.0\r\n"
            "X-Amz-Target: AmazonSQS.SendMessage\r\n"
            "X-Dup: one\r\n"
            "x-dup: two\r\n"
            "Authorization: AWS4-HMAC-SHA256 Credential=x\r\n"
            "Host: 127.0.0.1:" +
                std::to_string(server.port()) +
                "\r\n"
                "Content-Length: 7\r\n"
                "\r\n"
                "{\"a\":1}");
  EXPECT_EQ(server.requests()[1], "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1:" +
                                      std::to_string(server.port()) + "\r\n\r\n");
}

TEST(HttpClientTest, HeaderThatWouldBreakTheFramingIsNotSent) {
  ScriptedServer server([](int fd, const std::string&, int) {
    WritePieces(fd, {kOk}, milliseconds(0));
    return true;
  });
  HttpClient client("127.0.0.1", server.port());
  HttpRequest request = Post("x");
  request.headers.push_back({"X-Evil", "a\r\nX-Injected: 1"});
  auto response = client.RoundTrip(request, kTimeout);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE(client.RoundTrip(Post("x"), kTimeout).ok());  // the connection is still usable
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST(HttpClientTest, ResponseArrivingInPiecesIsReassembled) {
  const std::string body(100000, 'b');
  ScriptedServer server([&](int fd, const std::string&, int) {
    WritePieces(
        fd,
        {"HTTP/1.1 200 OK\r\nX-A: \t1 \r", "\nContent-Length: 100000\r\n\r\n" + body.substr(0, 10),
         body.substr(10, 70000), body.substr(70010)},
        milliseconds(20));
    return true;
  });
  HttpClient client("127.0.0.1", server.port());
  for (int i = 0; i < 2; ++i) {
    auto response = client.RoundTrip(Post("x"), kTimeout);
    ASSERT_TRUE(response.ok()) << response.status().ToString();
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(response->Header("x-a"), "1");
    EXPECT_EQ(response->body, body);
  }
  EXPECT_EQ(server.connections(), 1);
}

TEST(HttpClientTest, ChunkedResponseIsDecoded) {
  ScriptedServer server([](int fd, const std::string&, int) {
    WritePieces(fd,
                {"HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n",
                 "2\r\nde\r\n0\r\n\r\n"},
                milliseconds(10));
    return true;
  });
  HttpClient client("127.0.0.1", server.port());
  auto response = client.RoundTrip(Post("x"), kTimeout);
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 404);
  EXPECT_EQ(response->body, "abcde");
}

TEST(HttpClientTest, BodyFramedByTheConnectionEndsWhenItCloses) {
  ScriptedServer server([](int fd, const std::string&, int) {
    WritePieces(fd, {"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil", " close"},
                milliseconds(10));
    return false;
  });
  HttpClient client("127.0.0.1", server.port());
  for (int i = 0; i < 2; ++i) {
    auto response = client.RoundTrip(Post("x"), kTimeout);
    ASSERT_TRUE(response.ok()) << response.status().ToString();
    EXPECT_EQ(response->body, "until close");
  }
  EXPECT_EQ(server.connections(), 2);
}

TEST(HttpClientTest, ResponseCutOffIsUnavailable) {
  ScriptedServer server([](int fd, const std::string&, int) {
    WritePieces(fd, {"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"}, milliseconds(10));
    return false;
  });
  HttpClient client("127.0.0.1", server.port());
  auto response = client.RoundTrip(Post("x"), kTimeout);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(server.connections(), 1);  // bytes of the answer had arrived: not sent again
}

TEST(HttpClientTest, TrickleSlowerThanTheDeadlineTimesOutOnTime) {
  ScriptedServer server([](int fd, const std::string&, int) {
    WritePieces(fd, std::vector<std::string>(12, "H"), milliseconds(50));
    return false;
  });
  HttpClient client("127.0.0.1", server.port());
  const auto start = Clock::now();
  auto response = client.RoundTrip(Post("x"), milliseconds(300));
  const auto took = Clock::now() - start;
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kDeadlineExceeded);
  EXPECT_GE(took, milliseconds(290));
  EXPECT_LT(took, milliseconds(600));
}

TEST(HttpClientTest, WaitLongerThanOneSocketTimeoutSucceeds) {
  ScriptedServer server([](int fd, const std::string&, int number) {
    if (number == 1) std::this_thread::sleep_for(milliseconds(1300));
    WritePieces(fd, {kOk}, milliseconds(0));
    return true;
  });
  HttpClient client("127.0.0.1", server.port());
  // The first call waits past one socket timeout (DeadlineSocket::kMaxWait) and then succeeds;
  // a short deadline in between must not leave the later calls on a short timeout.
  auto slow = client.RoundTrip(Post("x"), milliseconds(4000));
  ASSERT_TRUE(slow.ok()) << slow.status().ToString();
  for (int i = 0; i < 3; ++i) {
    auto fast = client.RoundTrip(Post("x"), milliseconds(i == 0 ? 200 : 4000));
    ASSERT_TRUE(fast.ok()) << fast.status().ToString();
    EXPECT_EQ(fast->body, "hello");
  }
}

}  // namespace
}  // namespace roadsense::net
