#include "net/http_server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "net/http_client.h"
#include "tests/net/raw_http_client.h"

namespace roadsense::net {
namespace {

using std::chrono::milliseconds;

constexpr milliseconds kTimeout{5000};

HttpServerOptions TestOptions() {
  HttpServerOptions options;
  options.listen = "127.0.0.1:0";
  options.threads = 2;
  return options;
}

HttpRequest Get(std::string target) {
  HttpRequest request;
  request.method = "GET";
  request.target = std::move(target);
  return request;
}

// Echoes method, path, query, body and the remote port count back as headers and body.
void EchoHandler(HttpRequest&& request, Responder respond) {
  HttpResponse response = HttpResponse::Text(200, request.body);
  response.SetHeader("X-Method", request.method);
  response.SetHeader("X-Path", std::string(request.Path()));
  response.SetHeader("X-Query", std::string(request.Query()));
  response.SetHeader("X-Remote", request.remote_address);
  response.SetHeader("X-Test", std::string(request.Header("x-TEST")));
  respond(std::move(response));
}

TEST(HttpServerTest, RoundTripCarriesRequestAndResponse) {
  HttpServer server(TestOptions(), EchoHandler);
  ASSERT_TRUE(server.Start().ok());
  HttpClient client("127.0.0.1", server.port());

  HttpRequest request;
  request.method = "POST";
  request.target = "/a/b?x=1&y=2";
  request.headers = {{"X-Test", "hello"}};
  request.body = "payload bytes";
  auto response = client.RoundTrip(request, kTimeout);
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "payload bytes");
  EXPECT_EQ(response->Header("x-method"), "POST");
  EXPECT_EQ(response->Header("X-Path"), "/a/b");
  EXPECT_EQ(response->Header("X-Query"), "x=1&y=2");
  EXPECT_EQ(response->Header("X-Test"), "hello");
  EXPECT_EQ(response->Header("Server"), "roadsense");
  EXPECT_EQ(response->Header("Content-Length"), "13");
  EXPECT_EQ(response->Header("Date"), "");
  EXPECT_TRUE(response->Header("X-Remote").starts_with("127.0.0.1:"));
}

// The bytes of an answer, head included, exactly as the server has always written them (Beast's
// serializer): response line, the handler's headers in order (values trimmed of blanks), Server,
// Connection when the version's default does not apply, Content-Length.
void WireHandler(HttpRequest&& request, Responder respond) {
  HttpResponse response = HttpResponse::Text(201, "hello");
  response.SetHeader("X-Padded", " \tv w\t ");
  response.SetHeader("X-Empty", "");
  if (request.Path() == "/unknown-status") response.status = 299;
  if (request.Path() == "/reconciled") {
    // Headers Beast reconciles: its own Connection, Server and Content-Length replace them, and
    // a name given twice is grouped.
    response.headers.emplace_back("X-Twice", "1");
    response.headers.emplace_back("X-Other", "2");
    response.headers.emplace_back("x-twice", "3");
    response.headers.emplace_back("Server", "theirs");
    response.headers.emplace_back("Content-Length", "99");
  }
  respond(std::move(response));
}

std::string Exchange(uint16_t port, const std::string& request, bool until_closed) {
  testing::RawHttpClient client(port, /*tls=*/false);
  client.Send(request);
  if (until_closed) {
    EXPECT_TRUE(client.ReadUntilClosed(kTimeout));
  } else {
    EXPECT_TRUE(client.ReadUntil("hello", kTimeout));
  }
  return client.received();
}

TEST(HttpServerTest, AnswerBytesAreExact) {
  HttpServer server(TestOptions(), WireHandler);
  ASSERT_TRUE(server.Start().ok());
  const std::string common =
      "Content-Type: text/plain; charset=utf-8\r\nX-Padded: v w\r\nX-Empty: \r\nServer: "
      "roadsense\r\n";
  EXPECT_EQ(Exchange(server.port(), "GET / HTTP/1.1\r\nHost: x\r\n\r\n", false),
            "HTTP/1.1 201 Created\r\n" + common + "Content-Length: 5\r\n\r\nhello");
  EXPECT_EQ(
      Exchange(server.port(), "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", true),
      "HTTP/1.1 201 Created\r\n" + common + "Connection: close\r\nContent-Length: 5\r\n\r\nhello");
  EXPECT_EQ(Exchange(server.port(), "GET / HTTP/1.0\r\n\r\n", true),
            "HTTP/1.0 201 Created\r\n" + common + "Content-Length: 5\r\n\r\nhello");
  EXPECT_EQ(Exchange(server.port(), "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", false),
            "HTTP/1.0 201 Created\r\n" + common +
                "Connection: keep-alive\r\nContent-Length: 5\r\n\r\nhello");
  EXPECT_EQ(Exchange(server.port(), "GET /unknown-status HTTP/1.1\r\nHost: x\r\n\r\n", false),
            "HTTP/1.1 299 <unknown-status>\r\n" + common + "Content-Length: 5\r\n\r\nhello");
  EXPECT_EQ(Exchange(server.port(), "GET /reconciled HTTP/1.1\r\nHost: x\r\n\r\n", false),
            "HTTP/1.1 201 Created\r\n" + common.substr(0, common.find("Server")) +
                "X-Twice: 1\r\nx-twice: 3\r\nX-Other: 2\r\nServer: roadsense\r\n"
                "Content-Length: 5\r\n\r\nhello");
}

TEST(HttpServerTest, LargeAnswerArrivesWhole) {
  // Larger than a socket's send buffer: the part the first send does not take is written as
  // the client reads.
  const std::string body(4 << 20, 'x');
  HttpServer server(TestOptions(), [&body](HttpRequest&&, Responder respond) {
    respond(HttpResponse::Text(200, body));
  });
  ASSERT_TRUE(server.Start().ok());
  HttpClient client("127.0.0.1", server.port());
  for (int i = 0; i < 2; ++i) {
    auto response = client.RoundTrip(Get("/"), kTimeout);
    ASSERT_TRUE(response.ok()) << response.status().ToString();
    EXPECT_EQ(response->body.size(), body.size());
    EXPECT_EQ(response->body, body);
  }
}

TEST(HttpServerTest, RequestNotCompleteWithinReadTimeoutIsCut) {
  HttpServerOptions options = TestOptions();
  options.read_timeout = milliseconds(300);
  HttpServer server(options, EchoHandler);
  ASSERT_TRUE(server.Start().ok());
  for (const std::string partial :
       {"GET / HTTP/1.1\r\nHost: x\r\n", "POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc"}) {
    testing::RawHttpClient client(server.port(), /*tls=*/false);
    const auto start = std::chrono::steady_clock::now();
    client.Send(partial);
    EXPECT_TRUE(client.ReadUntilClosed(kTimeout)) << partial;
    EXPECT_GE(std::chrono::steady_clock::now() - start, milliseconds(250)) << partial;
    EXPECT_EQ(client.received(), "") << partial;
  }
}

TEST(HttpServerTest, IdleKeptAliveConnectionIsClosedAfterIdleTimeout) {
  HttpServerOptions options = TestOptions();
  options.read_timeout = milliseconds(5000);
  options.idle_timeout = milliseconds(300);
  HttpServer server(options, EchoHandler);
  ASSERT_TRUE(server.Start().ok());
  testing::RawHttpClient client(server.port(), /*tls=*/false);
  client.Send("POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello");
  ASSERT_TRUE(client.ReadUntil("hello", kTimeout));
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(client.ReadUntilClosed(kTimeout));
  EXPECT_GE(std::chrono::steady_clock::now() - start, milliseconds(250));
}

TEST(HttpServerTest, QuickRequestsOutlastTheReadTimeoutOnOneConnection) {
  // Each request gets its own read timeout: a connection busy for longer than one is not cut.
  HttpServerOptions options = TestOptions();
  options.read_timeout = milliseconds(300);
  options.idle_timeout = milliseconds(300);
  HttpServer server(options, EchoHandler);
  ASSERT_TRUE(server.Start().ok());
  testing::RawHttpClient client(server.port(), /*tls=*/false);
  size_t from = 0;
  for (int i = 0; i < 8; ++i) {
    const std::string body = "request-" + std::to_string(i);
    client.Send("POST / HTTP/1.1\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
                body);
    ASSERT_TRUE(client.ReadUntil(body, kTimeout, from)) << i;
    from = client.received().size();
    std::this_thread::sleep_for(milliseconds(100));
  }
}

TEST(HttpServerTest, LargeHeadersWithinTheLimitAreServedRequestAfterRequest) {
  // Headers past the connection's inline header room (2 KiB) and back, on one connection.
  HttpServer server(TestOptions(), EchoHandler);
  ASSERT_TRUE(server.Start().ok());
  HttpClient client("127.0.0.1", server.port());
  for (const size_t size : {size_t{6000}, size_t{10}, size_t{4000}, size_t{3}}) {
    HttpRequest request = Get("/");
    request.headers = {{"X-Test", std::string(size, 'h')}, {"X-Other", "o"}};
    auto response = client.RoundTrip(request, kTimeout);
    ASSERT_TRUE(response.ok()) << response.status().ToString();
    EXPECT_EQ(response->Header("X-Test"), std::string(size, 'h'));
  }
}

TEST(HttpServerTest, KeepAliveReusesOneConnection) {
  HttpServer server(TestOptions(), EchoHandler);
  ASSERT_TRUE(server.Start().ok());
  HttpClient client("127.0.0.1", server.port());

  std::string first_remote;
  for (int i = 0; i < 5; ++i) {
    auto response = client.RoundTrip(Get("/x"), kTimeout);
    ASSERT_TRUE(response.ok()) << response.status().ToString();
    const std::string remote(response->Header("X-Remote"));
    if (i == 0) first_remote = remote;
    EXPECT_EQ(remote, first_remote) << "request " << i << " used a new connection";
  }
}

// Bodies smaller and larger than what a connection keeps between requests (16 KiB) and than
// the room reserved for one body (64 KiB), in any order on one kept-alive connection: each
// arrives whole, whatever part of it came with the header.
TEST(HttpServerTest, BodiesOfEverySizeArriveWholeOnOneConnection) {
  HttpServer server(TestOptions(), EchoHandler);
  ASSERT_TRUE(server.Start().ok());
  HttpClient client("127.0.0.1", server.port());

  std::string first_remote;
  for (size_t size : {10000u, 10000u, 0u, 20000u, 100u, 70000u, 10000u, 300000u, 16384u, 1u}) {
    HttpRequest request;
    request.method = "POST";
    request.target = "/echo";
    request.body.resize(size);
    for (size_t i = 0; i < size; ++i)
      request.body[i] = static_cast<char>('A' + (i * 7 + size) % 26);
    auto response = client.RoundTrip(request, kTimeout);
    ASSERT_TRUE(response.ok()) << size << ": " << response.status().ToString();
    EXPECT_EQ(response->body, request.body) << size;
    const std::string remote(response->Header("X-Remote"));
    if (first_remote.empty()) first_remote = remote;
    EXPECT_EQ(remote, first_remote) << size;
  }
}

// A connection's buffer keeps room for a whole request like its last one; requests sent back to
// back in one write (the second starting in the same read as the first) are answered whole and
// in order, whatever their sizes.
TEST(HttpServerTest, PipelinedRequestsOfMixedSizesAreAnsweredInOrder) {
  HttpServer server(TestOptions(), EchoHandler);
  ASSERT_TRUE(server.Start().ok());
  testing::RawHttpClient client(server.port(), /*tls=*/false);
  auto request = [](char fill, size_t size) {
    return "POST / HTTP/1.1\r\nContent-Length: " + std::to_string(size) + "\r\n\r\n" +
           std::string(size, fill);
  };
  // The first request sizes the buffer; the others arrive together.
  client.Send(request('a', 11000));
  ASSERT_TRUE(client.ReadUntil(std::string(11000, 'a'), kTimeout));
  size_t from = client.received().size();
  client.Send(request('b', 11000) + request('c', 20) + request('d', 30000) + request('e', 11000));
  for (const auto& [fill, size] :
       std::vector<std::pair<char, size_t>>{{'b', 11000}, {'c', 20}, {'d', 30000}, {'e', 11000}}) {
    ASSERT_TRUE(client.ReadUntil("\r\n\r\n" + std::string(size, fill), kTimeout, from)) << fill;
    from = client.received().find(std::string(size, fill), from) + size;
  }
}

TEST(HttpServerTest, ClientReconnectsAfterServerClosedConnection) {
  std::atomic<int> calls{0};
  HttpServer server(TestOptions(), [&](HttpRequest&&, Responder respond) {
    HttpResponse response = HttpResponse::Text(200, std::to_string(++calls));
    response.SetHeader("Connection", "close");
    respond(std::move(response));
  });
  ASSERT_TRUE(server.Start().ok());
  HttpClient client("127.0.0.1", server.port());
  for (int i = 1; i <= 3; ++i) {
    auto response = client.RoundTrip(Get("/"), kTimeout);
    ASSERT_TRUE(response.ok()) << response.status().ToString();
    EXPECT_EQ(response->body, std::to_string(i));
  }
}

TEST(HttpServerTest, ClientRetriesWhenIdleConnectionWasClosedByServer) {
  HttpServerOptions options = TestOptions();
  options.idle_timeout = milliseconds(50);
  HttpServer server(options, EchoHandler);
  ASSERT_TRUE(server.Start().ok());
  HttpClient client("127.0.0.1", server.port());
  auto first = client.RoundTrip(Get("/"), kTimeout);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  std::this_thread::sleep_for(milliseconds(300));  // the server drops the idle connection
  auto second = client.RoundTrip(Get("/"), kTimeout);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_NE(second->Header("X-Remote"), first->Header("X-Remote"));
}

TEST(HttpServerTest, ResponderMayBeCalledFromAnotherThread) {
  std::mutex mu;
  std::vector<std::thread> workers;
  HttpServer server(TestOptions(), [&](HttpRequest&& request, Responder respond) {
    std::lock_guard lock(mu);
    workers.emplace_back([body = std::move(request.body), respond = std::move(respond)] {
      std::this_thread::sleep_for(milliseconds(20));
      respond(HttpResponse::Text(202, "later:" + body));
    });
  });
  ASSERT_TRUE(server.Start().ok());
  HttpClient client("127.0.0.1", server.port());
  HttpRequest request = Get("/");
  request.method = "POST";
  request.body = "b";
  auto response = client.RoundTrip(request, kTimeout);
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 202);
  EXPECT_EQ(response->body, "later:b");
  server.Stop();
  for (auto& t : workers) t.join();
}

// A Responder answers its own request only: called again after the connection's next request
// has begun (a second answer to the first request), it is dropped, and the next request gets
// the answer its own Responder gives.
TEST(HttpServerTest, EarlierRequestsResponderCannotAnswerTheNextRequest) {
  std::mutex mu;
  std::vector<Responder> responders;
  HttpServer server(TestOptions(), [&](HttpRequest&& request, Responder respond) {
    std::vector<Responder> earlier;
    {
      std::lock_guard lock(mu);
      earlier = responders;
      responders.push_back(respond);
    }
    for (const Responder& r : earlier) r(HttpResponse::Text(500, "stale\n"));
    respond(HttpResponse::Text(200, "answer:" + request.body));
  });
  ASSERT_TRUE(server.Start().ok());
  HttpClient client("127.0.0.1", server.port());
  for (int i = 0; i < 3; ++i) {
    HttpRequest request = Get("/");
    request.method = "POST";
    request.body = std::to_string(i);
    auto response = client.RoundTrip(request, kTimeout);
    ASSERT_TRUE(response.ok()) << response.status().ToString();
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(response->body, "answer:" + std::to_string(i));
  }
  std::lock_guard lock(mu);
  for (const Responder& r : responders) r(HttpResponse::Text(500, "late\n"));  // dropped
}

// One connection reuses a request's memory for the next: requests with more, fewer, longer and
// shorter headers than the one before each arrive with exactly their own headers.
TEST(HttpServerTest, EachRequestOnAConnectionHasExactlyItsOwnHeaders) {
  HttpServer server(TestOptions(), [](HttpRequest&& request, Responder respond) {
    std::string listing;
    for (const auto& [name, value] : request.headers) {
      if (name.starts_with("X-")) listing += name + "=" + value + ";";
    }
    respond(HttpResponse::Text(
        200, request.method + " " + request.target + " " + listing + "|" + request.body));
  });
  ASSERT_TRUE(server.Start().ok());
  HttpClient client("127.0.0.1", server.port());
  const std::vector<HttpHeaders> header_sets = {
      {{"X-A", std::string(40, 'a')}, {"X-B", "b"}, {"X-C", std::string(100, 'c')}},
      {{"X-D", "d"}},
      {},
      {{"X-E", std::string(30, 'e')}, {"X-F", "f"}, {"X-G", "g"}, {"X-H", std::string(20, 'h')}},
      {{"X-I", "i"}, {"X-J", std::string(50, 'j')}},
  };
  for (size_t i = 0; i < header_sets.size(); ++i) {
    HttpRequest request = Get("/path/" + std::string(i * 10, 'p'));
    if (i % 2 == 0) {
      request.method = "POST";
      request.body = std::string(i * 7, 'x');
    }
    request.headers = header_sets[i];
    std::string expected = request.method + " " + request.target + " ";
    for (const auto& [name, value] : header_sets[i]) expected += name + "=" + value + ";";
    expected += "|" + request.body;
    auto response = client.RoundTrip(request, kTimeout);
    ASSERT_TRUE(response.ok()) << response.status().ToString();
    EXPECT_EQ(response->body, expected) << "request " << i;
  }
}

// Collects the Responders of `count` requests, whose bodies are their indexes.
struct HeldRequests {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::pair<std::string, Responder>> held;
  void Add(HttpRequest&& request, Responder respond) {
    std::lock_guard lock(mu);
    held.emplace_back(std::move(request.body), std::move(respond));
    cv.notify_all();
  }
  std::vector<std::pair<std::string, Responder>> WaitFor(size_t count) {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return held.size() >= count; });
    return held;
  }
};

std::future<Result<HttpResponse>> PostAsync(uint16_t port, std::string body) {
  return std::async(std::launch::async, [port, body = std::move(body)] {
    HttpClient client("127.0.0.1", port);
    HttpRequest request = Get("/");
    request.method = "POST";
    request.body = body;
    return client.RoundTrip(request, kTimeout);
  });
}

TEST(HttpServerTest, ResponseBatchHoldsAnswersUntilItCloses) {
  HeldRequests requests;
  HttpServer server(TestOptions(), [&](HttpRequest&& request, Responder respond) {
    requests.Add(std::move(request), std::move(respond));
  });
  ASSERT_TRUE(server.Start().ok());
  std::vector<std::future<Result<HttpResponse>>> responses;
  for (int i = 0; i < 3; ++i) responses.push_back(PostAsync(server.port(), std::to_string(i)));
  auto held = requests.WaitFor(3);
  {
    ResponseBatch batch;
    for (auto& [body, respond] : held) {
      ResponseBatch nested;  // joins the outer batch
      respond(HttpResponse::Text(200, "answer:" + body));
    }
    // Nothing leaves while the batch is open.
    EXPECT_EQ(responses[0].wait_for(milliseconds(100)), std::future_status::timeout);
  }
  for (int i = 0; i < 3; ++i) {
    auto response = responses[i].get();
    ASSERT_TRUE(response.ok()) << response.status().ToString();
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(response->body, "answer:" + std::to_string(i));
  }
  // Outside a batch, answers leave at once again.
  auto next = PostAsync(server.port(), "3");
  auto more = requests.WaitFor(4);
  more[3].second(HttpResponse::Text(201, "now"));
  auto response = next.get();
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 201);
}

TEST(HttpServerTest, ResponseBatchClosedAfterStopDropsItsAnswers) {
  HeldRequests requests;
  auto server =
      std::make_unique<HttpServer>(TestOptions(), [&](HttpRequest&& request, Responder respond) {
        requests.Add(std::move(request), std::move(respond));
      });
  ASSERT_TRUE(server->Start().ok());
  auto response = PostAsync(server->port(), "x");
  auto held = requests.WaitFor(1);
  {
    ResponseBatch batch;
    held[0].second(HttpResponse::Text(200, "too late"));
    server.reset();  // stops the server while the answer is held
  }
  auto result = response.get();
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kUnavailable);
}

// Records the statuses HttpServerOptions::on_rejected reports.
struct RejectionLog {
  std::mutex mu;
  std::vector<int> statuses;
  std::function<void(int)> Hook() {
    return [this](int status) {
      std::lock_guard lock(mu);
      statuses.push_back(status);
    };
  }
  std::vector<int> Get() {
    std::lock_guard lock(mu);
    return statuses;
  }
};

TEST(HttpServerTest, BodyOverLimitGets413NamingTheLimitAndIsReported) {
  RejectionLog rejections;
  HttpServerOptions options = TestOptions();
  options.body_limit = 100;
  options.on_rejected = rejections.Hook();
  HttpServer server(options, EchoHandler);
  ASSERT_TRUE(server.Start().ok());
  HttpClient client("127.0.0.1", server.port());
  HttpRequest request = Get("/");
  request.method = "POST";
  request.body = std::string(101, 'x');
  auto response = client.RoundTrip(request, kTimeout);
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 413);
  EXPECT_EQ(response->body, "request body exceeds the 100-byte limit\n");
  EXPECT_EQ(rejections.Get(), std::vector<int>{413});

  request.body = std::string(100, 'x');
  response = client.RoundTrip(request, kTimeout);
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 200);
}

TEST(HttpServerTest, OversizedHeadersGet431NamingTheLimitAndAreReported) {
  RejectionLog rejections;
  HttpServerOptions options = TestOptions();
  options.header_limit = 1024;
  options.on_rejected = rejections.Hook();
  HttpServer server(options, EchoHandler);
  ASSERT_TRUE(server.Start().ok());
  HttpClient client("127.0.0.1", server.port());
  HttpRequest request = Get("/");
  request.headers = {{"X-Big", std::string(2000, 'h')}};
  auto response = client.RoundTrip(request, kTimeout);
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 431);
  EXPECT_EQ(response->body, "request header exceeds the 1024-byte limit\n");
  EXPECT_EQ(rejections.Get(), std::vector<int>{431});
}

TEST(HttpServerTest, UnparsableRequestGets400AndIsReported) {
  RejectionLog rejections;
  HttpServerOptions options = TestOptions();
  options.on_rejected = rejections.Hook();
  HttpServer server(options, EchoHandler);
  ASSERT_TRUE(server.Start().ok());
  HttpClient client("127.0.0.1", server.port());
  HttpRequest request = Get("/");
  request.method = "POST";
  request.headers = {{"Content-Length", "-5"}};
  auto response = client.RoundTrip(request, kTimeout);
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 400);
  EXPECT_TRUE(response->body.starts_with("malformed request: ")) << response->body;
  EXPECT_EQ(rejections.Get(), std::vector<int>{400});
}

TEST(HttpServerTest, PlainRequestsAreNotSecure) {
  HttpServer server(TestOptions(), [](HttpRequest&& request, Responder respond) {
    respond(HttpResponse::Text(200, request.secure ? "secure" : "plain"));
  });
  ASSERT_TRUE(server.Start().ok());
  HttpClient client("127.0.0.1", server.port());
  auto response = client.RoundTrip(Get("/"), kTimeout);
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->body, "plain");
}

TEST(HttpServerTest, StopWithUnansweredRequestIsClean) {
  std::promise<Responder> pending;
  HttpServer server(TestOptions(), [&](HttpRequest&&, Responder respond) {
    pending.set_value(std::move(respond));
  });
  ASSERT_TRUE(server.Start().ok());
  auto response = std::async(std::launch::async, [port = server.port()] {
    HttpClient client("127.0.0.1", port);
    return client.RoundTrip(Get("/"), kTimeout);
  });
  Responder respond = pending.get_future().get();
  server.Stop();
  respond(HttpResponse::Text(200, "too late"));  // a no-op after Stop
  auto result = response.get();
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kUnavailable);
}

TEST(HttpServerTest, ClientTimesOutOnSlowServer) {
  std::promise<Responder> pending;
  HttpServer server(TestOptions(), [&](HttpRequest&&, Responder respond) {
    pending.set_value(std::move(respond));
  });
  ASSERT_TRUE(server.Start().ok());
  HttpClient client("127.0.0.1", server.port());
  auto response = client.RoundTrip(Get("/"), milliseconds(100));
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kDeadlineExceeded);
  pending.get_future().get()(HttpResponse::Text(200, "late"));
}

TEST(HttpServerTest, ConnectionsOverCapAreClosed) {
  HttpServerOptions options = TestOptions();
  options.max_connections = 1;
  HttpServer server(options, EchoHandler);
  ASSERT_TRUE(server.Start().ok());
  HttpClient first("127.0.0.1", server.port());
  ASSERT_TRUE(first.RoundTrip(Get("/"), kTimeout).ok());
  HttpClient second("127.0.0.1", server.port());
  auto response = second.RoundTrip(Get("/"), kTimeout);
  EXPECT_FALSE(response.ok());
  first.Close();
}

TEST(HttpServerTest, StopAcceptingRefusesNewConnectionsButServesOpenOnes) {
  HttpServer server(TestOptions(), EchoHandler);
  ASSERT_TRUE(server.Start().ok());
  HttpClient open_client("127.0.0.1", server.port());
  ASSERT_TRUE(open_client.RoundTrip(Get("/before"), kTimeout).ok());

  server.StopAccepting();
  // The acceptor closes on its strand: wait until a fresh connection is refused.
  bool refused = false;
  for (int i = 0; i < 500 && !refused; ++i) {
    HttpClient fresh("127.0.0.1", server.port());
    refused = !fresh.RoundTrip(Get("/new"), kTimeout).ok();
    if (!refused) std::this_thread::sleep_for(milliseconds(10));
  }
  EXPECT_TRUE(refused);
  auto response = open_client.RoundTrip(Get("/after"), kTimeout);
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->Header("X-Path"), "/after");
}

TEST(HttpServerTest, StartFailsOnPortInUse) {
  HttpServer first(TestOptions(), EchoHandler);
  ASSERT_TRUE(first.Start().ok());
  HttpServerOptions options = TestOptions();
  options.listen = "127.0.0.1:" + std::to_string(first.port());
  HttpServer second(options, EchoHandler);
  EXPECT_FALSE(second.Start().ok());
}

TEST(HttpClientTest, ConnectRefusedIsUnavailable) {
  uint16_t port;
  {
    HttpServer server(TestOptions(), EchoHandler);
    ASSERT_TRUE(server.Start().ok());
    port = server.port();
  }
  HttpClient client("127.0.0.1", port);
  auto response = client.RoundTrip(Get("/"), kTimeout);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kUnavailable);
}

TEST(ParseHostPortTest, AcceptsHostAndIpv6) {
  auto a = ParseHostPort("127.0.0.1:8080");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->first, "127.0.0.1");
  EXPECT_EQ(a->second, 8080);
  auto b = ParseHostPort("[::1]:0");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->first, "::1");
  EXPECT_EQ(b->second, 0);
  auto c = ParseHostPort("localhost:65535");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->second, 65535);
}

TEST(ParseHostPortTest, RejectsMalformed) {
  for (const char* bad : {"", "host", "host:", ":80", "host:65536", "host:8x", "::1:80", "[::1]",
                          "[::1]80", "host:-1"}) {
    EXPECT_FALSE(ParseHostPort(bad).ok()) << bad;
  }
}

TEST(ParseHttpUrlTest, DefaultsPortAndPath) {
  auto url = ParseHttpUrl("http://example.com");
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->scheme, "http");
  EXPECT_EQ(url->host, "example.com");
  EXPECT_EQ(url->port, 80);
  EXPECT_EQ(url->path, "/");
  EXPECT_EQ(url->Origin(), "http://example.com:80");
  EXPECT_EQ(url->HostHeader(), "example.com");
}

TEST(ParseHttpUrlTest, KeepsPortPathAndQuery) {
  auto url = ParseHttpUrl("HTTP://127.0.0.1:9324/000000000000/tiles?x=1#frag");
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->scheme, "http");
  EXPECT_EQ(url->port, 9324);
  EXPECT_EQ(url->path, "/000000000000/tiles?x=1");
  EXPECT_EQ(url->Origin(), "http://127.0.0.1:9324");
  EXPECT_EQ(url->HostHeader(), "127.0.0.1:9324");
}

TEST(ParseHttpUrlTest, HttpsAndIpv6) {
  auto url = ParseHttpUrl("https://sqs.eu-central-1.amazonaws.com/123/q");
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->port, 443);
  EXPECT_EQ(url->HostHeader(), "sqs.eu-central-1.amazonaws.com");
  auto v6 = ParseHttpUrl("http://[::1]:8080");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->HostHeader(), "[::1]:8080");
  EXPECT_EQ(v6->path, "/");
}

TEST(ParseHttpUrlTest, RejectsMalformed) {
  for (const char* bad : {"example.com", "ftp://x/", "http://", "http://h:99999/", "http://u@h/"}) {
    EXPECT_FALSE(ParseHttpUrl(bad).ok()) << bad;
  }
}

TEST(HttpMessageTest, HeadersCompareCaseInsensitively) {
  HttpResponse response;
  response.SetHeader("Content-Type", "a");
  response.SetHeader("content-type", "b");
  ASSERT_EQ(response.headers.size(), 1u);
  EXPECT_EQ(response.Header("CONTENT-TYPE"), "b");
  EXPECT_EQ(response.Header("missing"), "");
}

}  // namespace
}  // namespace roadsense::net
