#include "bench/peers/sqs_peer.h"

#include "net/http_client.h"

namespace roadsense::bench {
namespace {

class SqsConnection : public PeerConnection {
 public:
  SqsConnection(sqs::SqsClient& client, std::string queue_url)
      : client_(client), queue_url_(std::move(queue_url)) {}

  Status SendBatch(const std::vector<std::string>& bodies) override {
    std::vector<sqs::SendEntry> entries;
    entries.reserve(bodies.size());
    for (size_t i = 0; i < bodies.size(); ++i) entries.push_back({std::to_string(i), bodies[i]});
    auto sent = client_.SendMessageBatch(queue_url_, entries);
    if (!sent.ok()) return sent.status();
    if (!sent->failed.empty()) return Internal("SendMessageBatch: " + sent->failed[0].message);
    return Status::Ok();
  }

  Result<std::vector<PeerMessage>> Receive(int max, std::chrono::milliseconds wait) override {
    sqs::ReceiveOptions options;
    options.max_messages = max;
    // Whole seconds only in SQS; the long poll answers as soon as a message is there.
    options.wait_time_seconds = static_cast<int>((wait.count() + 999) / 1000);
    options.attribute_names = {};
    auto received = client_.ReceiveMessage(queue_url_, options);
    if (!received.ok()) return received.status();
    std::vector<PeerMessage> messages;
    messages.reserve(received->size());
    for (auto& m : *received) messages.push_back({std::move(m.body), std::move(m.receipt_handle)});
    return messages;
  }

  Status Delete(const std::vector<PeerMessage>& messages) override {
    std::vector<sqs::DeleteEntry> entries;
    entries.reserve(messages.size());
    for (size_t i = 0; i < messages.size(); ++i) {
      entries.push_back({std::to_string(i), messages[i].handle});
    }
    auto deleted = client_.DeleteMessageBatch(queue_url_, entries);
    if (!deleted.ok()) return deleted.status();
    if (!deleted->failed.empty()) {
      return Internal("DeleteMessageBatch: " + deleted->failed[0].message);
    }
    return Status::Ok();
  }

 private:
  sqs::SqsClient& client_;
  const std::string queue_url_;
};

sqs::SqsClientOptions ClientOptions(std::string endpoint, int max_connections) {
  sqs::SqsClientOptions options;
  options.endpoint = std::move(endpoint);
  options.max_idle_connections = max_connections;
  return options;
}

}  // namespace

SqsPeer::SqsPeer(std::string endpoint, int max_connections)
    : endpoint_(endpoint), client_(ClientOptions(std::move(endpoint), max_connections)) {}

Status SqsPeer::CreateQueue(const std::string& queue) {
  auto url = client_.CreateQueue(queue);
  if (!url.ok()) return url.status();
  queue_url_ = *url;
  return Status::Ok();
}

Result<std::unique_ptr<PeerConnection>> SqsPeer::Connect() {
  return std::unique_ptr<PeerConnection>(std::make_unique<SqsConnection>(client_, queue_url_));
}

std::optional<uint64_t> SqsPeer::NativeFsyncs() {
  auto url = net::ParseHttpUrl(endpoint_);
  if (!url.ok()) return std::nullopt;
  net::HttpClient http(url->host, url->port);
  net::HttpRequest request;
  request.method = "GET";
  request.target = "/metrics";
  auto response = http.RoundTrip(request, std::chrono::seconds(5));
  if (!response.ok() || response->status != 200) return std::nullopt;
  const std::string key = "\nroadsense_queue_wal_fsyncs_total ";
  const std::string body = "\n" + response->body;
  const auto at = body.find(key);
  if (at == std::string::npos) return std::nullopt;
  return std::stoull(body.substr(at + key.size()));
}

}  // namespace roadsense::bench
