// Streamed responses (Responder::Stream → ResponseStream) through a real HttpServer, plain and
// TLS, read by a raw client that sees the bytes as they arrive.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "net/http_server.h"
#include "tests/net/raw_http_client.h"
#include "tests/support/child_process.h"
#include "tests/support/tls_test_certificate.h"

namespace roadsense::net {
namespace {

using roadsense::testing::RawHttpClient;
using std::chrono::milliseconds;

constexpr milliseconds kTimeout{5000};

constexpr char kRequest[] = "GET /stream HTTP/1.1\r\nHost: test\r\n\r\n";

class ResponseStreamTest : public ::testing::TestWithParam<bool> {
 protected:
  bool tls() const { return GetParam(); }

  void Start(size_t buffer_limit = 1 << 20) {
    HttpServerOptions options;
    options.listen = "127.0.0.1:0";
    options.threads = 2;
    options.stream_buffer_limit = buffer_limit;
    if (tls()) {
      options.tls_certificate_file = cert_.certificate_file;
      options.tls_private_key_file = cert_.private_key_file;
    }
    server_ = std::make_unique<HttpServer>(options, [this](HttpRequest&&, Responder respond) {
      HttpResponse head;
      head.SetHeader("Content-Type", "text/event-stream");
      auto stream = respond.Stream(std::move(head));
      stream->OnClose([this] { closed_.set_value(); });
      stream_.set_value(std::move(stream));
    });
    ASSERT_TRUE(server_->Start().ok());
  }

  // Connects, asks for the stream and waits for its head; returns the server's handle.
  std::shared_ptr<ResponseStream> Open(RawHttpClient& client) {
    client.Send(kRequest);
    auto future = stream_.get_future();
    EXPECT_EQ(future.wait_for(kTimeout), std::future_status::ready);
    EXPECT_TRUE(client.ReadUntil("\r\n\r\n", kTimeout)) << client.received();
    return future.get();
  }

  bool ClosedWithin(milliseconds timeout) {
    return closed_future_.wait_for(timeout) == std::future_status::ready;
  }

  roadsense::testing::TempDir dir_;
  roadsense::testing::TlsTestCertificate cert_ =
      roadsense::testing::WriteTlsTestCertificate(dir_.path());
  std::promise<std::shared_ptr<ResponseStream>> stream_;
  std::promise<void> closed_;
  std::future<void> closed_future_ = closed_.get_future();
  std::unique_ptr<HttpServer> server_;
};

TEST_P(ResponseStreamTest, ChunksArriveInOrderWhileTheStreamIsOpen) {
  Start();
  RawHttpClient client(server_->port(), tls());
  auto stream = Open(client);
  EXPECT_NE(client.received().find("HTTP/1.1 200 OK\r\n"), std::string::npos);
  EXPECT_NE(client.received().find("Transfer-Encoding: chunked\r\n"), std::string::npos);
  EXPECT_NE(client.received().find("Content-Type: text/event-stream\r\n"), std::string::npos);
  // Each chunk is readable before the next one is written: nothing waits for the end.
  ASSERT_TRUE(stream->Write("first"));
  ASSERT_TRUE(client.ReadUntil("5\r\nfirst\r\n", kTimeout)) << client.received();
  ASSERT_TRUE(stream->Write("second!"));
  ASSERT_TRUE(client.ReadUntil("7\r\nsecond!\r\n", kTimeout)) << client.received();
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(stream->Write(std::to_string(i) + ";"));
  stream->End();
  EXPECT_FALSE(stream->Write("after end"));
  ASSERT_TRUE(client.ReadUntilClosed(kTimeout)) << client.received();
  const std::string& raw = client.received();
  size_t at = raw.find("7\r\nsecond!\r\n");
  for (int i = 0; i < 100; ++i) {
    const std::string piece = std::to_string(i) + ";";
    const std::string chunk = std::to_string(piece.size()) + "\r\n" + piece + "\r\n";
    const size_t next = raw.find(chunk, at);
    ASSERT_NE(next, std::string::npos) << "chunk " << i << " missing or out of order";
    at = next;
  }
  EXPECT_TRUE(raw.ends_with("0\r\n\r\n")) << raw;
  EXPECT_TRUE(ClosedWithin(kTimeout));
}

TEST_P(ResponseStreamTest, ClientGoingAwayIsNoticedWithoutWriting) {
  Start();
  auto client = std::make_unique<RawHttpClient>(server_->port(), tls());
  auto stream = Open(*client);
  ASSERT_TRUE(stream->Write("hello"));
  ASSERT_TRUE(client->ReadUntil("hello", kTimeout));
  client->Close();
  EXPECT_TRUE(ClosedWithin(kTimeout));
  EXPECT_TRUE(stream->closed());
  EXPECT_FALSE(stream->Write("nobody listens"));
}

TEST_P(ResponseStreamTest, StalledClientIsDisconnectedOnceItsBufferIsFull) {
  Start(/*buffer_limit=*/64 << 10);
  RawHttpClient client(server_->port(), tls());
  auto stream = Open(client);
  // The client reads nothing more: the socket buffers fill, then the stream's 64 KiB queue.
  // Paced, so that the server flushes each chunk into the socket before the next: what is
  // bounded is what the client leaves unread beyond the socket buffers, not what was written.
  const std::string chunk(16 << 10, 'x');
  size_t accepted = 0;
  while (stream->Write(chunk)) {
    ASSERT_LT(++accepted, 100000u) << "the queue never filled up";
    std::this_thread::sleep_for(milliseconds(2));
  }
  EXPECT_GT(accepted * chunk.size(), size_t{2 * (64 << 10)}) << "dropped before it stalled";
  EXPECT_TRUE(ClosedWithin(kTimeout));
  EXPECT_TRUE(stream->closed());
  // The connection was dropped: the client reaches its end without the last chunk.
  ASSERT_TRUE(client.ReadUntilClosed(milliseconds(20000)));
  EXPECT_FALSE(client.received().ends_with("0\r\n\r\n"));
}

TEST_P(ResponseStreamTest, StopClosesOpenStreams) {
  Start();
  RawHttpClient client(server_->port(), tls());
  auto stream = Open(client);
  server_->Stop();
  EXPECT_TRUE(ClosedWithin(kTimeout));
  EXPECT_FALSE(stream->Write("too late"));
  EXPECT_TRUE(client.ReadUntilClosed(kTimeout));
}

TEST_P(ResponseStreamTest, Http10ClientGetsTheRawBodyEndedByClose) {
  Start();
  RawHttpClient client(server_->port(), tls());
  client.Send("GET /stream HTTP/1.0\r\n\r\n");
  auto future = stream_.get_future();
  ASSERT_EQ(future.wait_for(kTimeout), std::future_status::ready);
  auto stream = future.get();
  ASSERT_TRUE(stream->Write("abc"));
  ASSERT_TRUE(stream->Write("def"));
  stream->End();
  ASSERT_TRUE(client.ReadUntilClosed(kTimeout)) << client.received();
  EXPECT_TRUE(client.received().starts_with("HTTP/1.0 200 OK\r\n")) << client.received();
  EXPECT_EQ(client.received().find("Transfer-Encoding"), std::string::npos);
  EXPECT_TRUE(client.received().ends_with("\r\n\r\nabcdef")) << client.received();
}

INSTANTIATE_TEST_SUITE_P(PlainAndTls, ResponseStreamTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "Tls" : "Plain";
                         });

TEST(ResponderTest, StreamOfAPlainCallableAnswersOnceAtEnd) {
  std::vector<HttpResponse> answers;
  Responder respond = [&answers](HttpResponse r) { answers.push_back(std::move(r)); };
  HttpResponse head;
  head.status = 201;
  head.SetHeader("Content-Type", "text/plain");
  auto stream = respond.Stream(std::move(head));
  bool closed = false;
  stream->OnClose([&closed] { closed = true; });
  EXPECT_TRUE(stream->Write("a"));
  EXPECT_TRUE(stream->Write("b"));
  EXPECT_TRUE(answers.empty());
  stream->End();
  ASSERT_EQ(answers.size(), 1u);
  EXPECT_EQ(answers[0].status, 201);
  EXPECT_EQ(answers[0].body, "ab");
  EXPECT_EQ(answers[0].Header("Content-Type"), "text/plain");
  EXPECT_TRUE(closed);
  EXPECT_FALSE(stream->Write("c"));
}

}  // namespace
}  // namespace roadsense::net
