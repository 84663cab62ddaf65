#include "sqs/sqs_client.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <random>
#include <thread>

#include "core/json_writer.h"
#include "net/http_client.h"
#include "sqs/message_attributes.h"
#include "sqs/sigv4_signer.h"

namespace roadsense::sqs {
namespace {

namespace json = boost::json;

std::string EnvOr(const char* name, const char* fallback) {
  const char* value = std::getenv(name);
  return value && *value ? value : fallback;
}

std::string GetString(const json::object& obj, std::string_view key) {
  const json::value* v = obj.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

const json::array& GetArray(const json::object& obj, std::string_view key) {
  static const json::array kEmpty;
  const json::value* v = obj.if_contains(key);
  return v && v->is_array() ? v->get_array() : kEmpty;
}

std::map<std::string, std::string> GetStringMap(const json::object& obj, std::string_view key) {
  std::map<std::string, std::string> out;
  const json::value* v = obj.if_contains(key);
  if (!v || !v->is_object()) return out;
  for (const auto& [name, value] : v->get_object()) {
    if (value.is_string()) out.emplace(name, value.get_string());
  }
  return out;
}

// `"name":["a","b"]`.
void WriteStringArray(JsonWriter& out, std::string_view name,
                      const std::vector<std::string>& values) {
  out.Key(name).BeginArray();
  for (const auto& v : values) out.String(v);
  out.EndArray();
}

// Parses a response body. The tree's nodes and strings live in one arena owned (through the
// returned object's storage) by the tree itself: one allocation or a few instead of one per node
// and per string, and one release when the caller drops the object.
Result<json::object> ParseResponseObject(std::string_view action, std::string_view body) {
  if (body.empty()) return json::object();
  json::storage_ptr arena =
      json::make_shared_resource<json::monotonic_resource>(2 * body.size() + 1024);
  boost::system::error_code ec;
  json::value parsed = json::parse(body, ec, std::move(arena));
  if (ec || !parsed.is_object()) {
    return Internal(std::string(action) + ": malformed JSON response: " +
                    (ec ? ec.message() : std::string("not an object")));
  }
  return std::move(parsed.get_object());
}

std::vector<BatchFailure> ParseFailures(const json::object& response) {
  std::vector<BatchFailure> out;
  for (const auto& entry : GetArray(response, "Failed")) {
    if (!entry.is_object()) continue;
    const auto& e = entry.get_object();
    const json::value* fault = e.if_contains("SenderFault");
    out.push_back({GetString(e, "Id"), GetString(e, "Code"), GetString(e, "Message"),
                   fault && fault->is_bool() && fault->get_bool()});
  }
  return out;
}

// DeleteMessageBatch / ChangeMessageVisibilityBatch response: {"Successful":[{"Id"}],"Failed":[…]}.
DeleteBatchResult ParseIdBatchResult(const json::object& response) {
  DeleteBatchResult result;
  result.failed = ParseFailures(response);
  for (const auto& v : GetArray(response, "Successful")) {
    if (v.is_object()) result.successful.push_back(GetString(v.get_object(), "Id"));
  }
  return result;
}

// The throttling error codes the AWS SDKs retry (botocore's and the JS SDK's lists).
bool IsThrottlingShape(std::string_view shape) {
  static constexpr std::string_view kThrottling[] = {"RequestThrottled",
                                                     "ThrottlingException",
                                                     "Throttling",
                                                     "ThrottledException",
                                                     "RequestThrottledException",
                                                     "TooManyRequestsException",
                                                     "RequestLimitExceeded",
                                                     "SlowDown",
                                                     "BandwidthLimitExceeded",
                                                     "LimitExceededException",
                                                     "PriorRequestNotComplete"};
  return std::find(std::begin(kThrottling), std::end(kThrottling), shape) != std::end(kThrottling);
}

// Maps an SQS error response to a Status whose message starts with the error shape.
Status ErrorStatus(const net::HttpResponse& response) {
  std::string shape;
  std::string message;
  boost::system::error_code ec;
  if (const json::value parsed = json::parse(response.body, ec); !ec && parsed.is_object()) {
    const auto& obj = parsed.get_object();
    shape = GetString(obj, "__type");
    message = GetString(obj, "message");
    if (message.empty()) message = GetString(obj, "Message");
  }
  // "com.amazonaws.sqs#QueueDoesNotExist" -> "QueueDoesNotExist".
  if (const size_t hash = shape.rfind('#'); hash != std::string::npos) shape.erase(0, hash + 1);
  // "AWS.SimpleQueueService.NonExistentQueue;Sender" -> legacy code.
  const std::string_view query_error = response.Header("x-amzn-query-error");
  const std::string legacy(query_error.substr(0, query_error.find(';')));
  if (shape.empty()) shape = !legacy.empty() ? legacy : "HTTP" + std::to_string(response.status);
  if (message.empty()) message = "HTTP " + std::to_string(response.status);
  std::string text = shape + ": " + message;

  if (response.status >= 500) return Unavailable(std::move(text));
  if (shape == "QueueDoesNotExist" || legacy == "AWS.SimpleQueueService.NonExistentQueue") {
    return NotFound(std::move(text));
  }
  if (IsThrottlingShape(shape) || IsThrottlingShape(legacy) || shape == "OverLimit" ||
      response.status == 429) {
    return Status(StatusCode::kResourceExhausted, std::move(text));
  }
  if (shape == "InvalidClientTokenId" || shape == "SignatureDoesNotMatch" ||
      shape == "IncompleteSignature" || shape == "RequestExpired" || shape == "InvalidSecurity" ||
      shape == "MissingAuthenticationToken") {
    return Status(StatusCode::kUnauthenticated, std::move(text));
  }
  if (shape == "AccessDenied") return Status(StatusCode::kPermissionDenied, std::move(text));
  return InvalidArgument(std::move(text));
}

// The error shape a Status from ErrorStatus starts with ("RequestThrottled: ...").
std::string_view ShapeOf(const Status& status) {
  const std::string_view text = status.message();
  const size_t colon = text.find(": ");
  return colon == std::string_view::npos ? std::string_view() : text.substr(0, colon);
}

// What the AWS SDKs retry: throttling, transient server errors, timeouts, broken connections.
// OverLimit (too many messages in flight) shares kResourceExhausted with throttling, but waiting
// a second does not fix it.
bool IsRetryable(const Status& status) {
  switch (status.code()) {
    case StatusCode::kUnavailable:       // connection errors and 5xx
    case StatusCode::kDeadlineExceeded:  // timeouts
      return true;
    case StatusCode::kResourceExhausted:  // throttling
      return ShapeOf(status) != "OverLimit";
    default:
      return false;
  }
}

}  // namespace

std::chrono::milliseconds RetryDelay(int retry, std::chrono::milliseconds base,
                                     std::chrono::milliseconds cap) {
  // Full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"): uniform in
  // [0, min(cap, base * 2^retry)); spreads the retries of many clients throttled together.
  const int64_t ceiling = std::min<int64_t>(cap.count(), base.count() << std::min(retry, 30));
  if (ceiling <= 0) return std::chrono::milliseconds(0);
  thread_local std::minstd_rand rng(std::random_device{}());
  return std::chrono::milliseconds(std::uniform_int_distribution<int64_t>(0, ceiling - 1)(rng));
}

SqsCredentials SqsCredentials::FromEnvironment() {
  SqsCredentials c;
  const char* id = std::getenv("AWS_ACCESS_KEY_ID");
  const char* secret = std::getenv("AWS_SECRET_ACCESS_KEY");
  if (id && *id && secret && *secret) {
    c.access_key_id = id;
    c.secret_access_key = secret;
    c.session_token = EnvOr("AWS_SESSION_TOKEN", "");
  } else {
    c.access_key_id = "roadsense";
    c.secret_access_key = "roadsense";
  }
  return c;
}

std::string SqsClientOptions::RegionFromEnvironment() { return EnvOr("AWS_REGION", "us-east-1"); }

Result<SqsClientOptions> SqsClientOptions::ForQueueUrl(const std::string& queue_url) {
  auto url = net::ParseHttpUrl(queue_url);
  if (!url.ok()) return url.status();
  SqsClientOptions options;
  options.endpoint = url->Origin();
  // sqs.<region>.amazonaws.com: the region is part of the host and must match the signature.
  const std::string& host = url->host;
  constexpr std::string_view kPrefix = "sqs.";
  constexpr std::string_view kSuffix = ".amazonaws.com";
  if (host.starts_with(kPrefix) && host.ends_with(kSuffix) &&
      host.size() > kPrefix.size() + kSuffix.size()) {
    options.region = host.substr(kPrefix.size(), host.size() - kPrefix.size() - kSuffix.size());
  }
  return options;
}

struct SqsClient::Impl {
  explicit Impl(SqsClientOptions opts)
      : options(std::move(opts)),
        signer(SigV4SignerOptions{options.credentials.access_key_id,
                                  options.credentials.secret_access_key,
                                  options.credentials.session_token, options.region, "sqs"}) {
    auto parsed = net::ParseHttpUrl(options.endpoint);
    if (!parsed.ok()) {
      endpoint_error = parsed.status();
    } else {
      url = std::move(parsed).value();
      host_header = url.HostHeader();
    }
  }

  // One AWS JSON 1.0 call with retries (SqsClientOptions::max_attempts); each attempt is signed
  // afresh, so a long backoff never sends a stale X-Amz-Date. `input` is the request body.
  Result<json::object> Call(std::string_view action, std::string input,
                            std::chrono::milliseconds timeout) {
    if (!endpoint_error.ok()) return endpoint_error;
    // One request for every attempt: only its headers are rebuilt, the body is never copied.
    net::HttpRequest request;
    request.method = "POST";
    request.target = url.path;
    request.body = std::move(input);
    for (int attempt = 1;; ++attempt) {
      Result<json::object> result = CallOnce(action, request, timeout);
      if (result.ok() || attempt >= options.max_attempts || !IsRetryable(result.status())) {
        return result;
      }
      const auto wait = RetryDelay(attempt - 1, options.base_backoff, options.max_backoff);
      spdlog::debug("sqs: {} failed (attempt {} of {}), retrying in {} ms: {}", action, attempt,
                    options.max_attempts, wait.count(), result.status().ToString());
      std::this_thread::sleep_for(wait);
    }
  }

  // One signed AWS JSON 1.0 call of `request` (method, target and body set; its headers are
  // replaced); the parsed response object on HTTP 200.
  Result<json::object> CallOnce(std::string_view action, net::HttpRequest& request,
                                std::chrono::milliseconds timeout) {
    std::string target = "AmazonSQS.";
    target += action;
    request.headers = {{"Host", host_header},
                       {"Content-Type", "application/x-amz-json-1.0"},
                       {"X-Amz-Target", std::move(target)}};
    RS_RETURN_IF_ERROR(signer.Sign(&request, std::chrono::system_clock::now()));

    std::unique_ptr<net::HttpClient> client = Borrow();
    auto response = client->RoundTrip(request, timeout);
    if (!response.ok()) {
      return Status(response.status().code(),
                    std::string(action) + ": " + response.status().message());
    }
    Return(std::move(client));
    if (response->status != 200) return ErrorStatus(*response);

    return ParseResponseObject(action, response->body);
  }

  std::unique_ptr<net::HttpClient> Borrow() {
    {
      std::lock_guard lock(mu);
      if (!idle.empty()) {
        auto client = std::move(idle.back());
        idle.pop_back();
        return client;
      }
    }
    // https endpoints (Amazon SQS) speak TLS, verified against the default trust store.
    return std::make_unique<net::HttpClient>(url);
  }

  void Return(std::unique_ptr<net::HttpClient> client) {
    std::lock_guard lock(mu);
    if (static_cast<int>(idle.size()) < options.max_idle_connections) {
      idle.push_back(std::move(client));
    }
  }

  SqsClientOptions options;
  SigV4Signer signer;
  net::HttpUrl url;
  std::string host_header;  // url.HostHeader()
  Status endpoint_error;
  std::mutex mu;  // guards idle
  std::vector<std::unique_ptr<net::HttpClient>> idle;
};

SqsClient::SqsClient(SqsClientOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}

SqsClient::~SqsClient() = default;

namespace {

// An AWS JSON 1.0 request body: `{<fields written by `fill`>}`, built as text.
template <typename Fill>
std::string RequestBody(size_t size_hint, Fill&& fill) {
  std::string body;
  body.reserve(size_hint + 128);
  JsonWriter out(&body);
  out.BeginObject();
  fill(out);
  out.EndObject();
  return body;
}

// Room for a JSON string: escapes make it longer, but SQS bodies rarely need many.
size_t JsonSize(std::string_view text) { return text.size() + 8; }

}  // namespace

Result<std::string> SqsClient::CreateQueue(const std::string& name,
                                           const std::map<std::string, std::string>& attributes) {
  const std::string input = RequestBody(JsonSize(name), [&](JsonWriter& out) {
    out.Field("QueueName", name);
    if (attributes.empty()) return;
    out.Key("Attributes").BeginObject();
    for (const auto& [k, v] : attributes) out.Field(k, v);
    out.EndObject();
  });
  auto out = impl_->Call("CreateQueue", input, impl_->options.request_timeout);
  if (!out.ok()) return out.status();
  return GetString(*out, "QueueUrl");
}

Result<std::string> SqsClient::GetQueueUrl(const std::string& name) {
  const std::string input =
      RequestBody(JsonSize(name), [&](JsonWriter& out) { out.Field("QueueName", name); });
  auto out = impl_->Call("GetQueueUrl", input, impl_->options.request_timeout);
  if (!out.ok()) return out.status();
  return GetString(*out, "QueueUrl");
}

Result<SendSuccess> SqsClient::SendMessage(const std::string& queue_url, const std::string& body) {
  const std::string input = RequestBody(JsonSize(queue_url) + JsonSize(body), [&](JsonWriter& out) {
    out.Field("QueueUrl", queue_url).Field("MessageBody", body);
  });
  auto out = impl_->Call("SendMessage", input, impl_->options.request_timeout);
  if (!out.ok()) return out.status();
  SendSuccess sent{"", GetString(*out, "MessageId"), GetString(*out, "MD5OfMessageBody")};
  if (sent.md5_of_body != Md5OfBody(body)) {
    return Corruption("MD5Mismatch: MD5OfMessageBody " + sent.md5_of_body +
                      " does not match the body sent (message " + sent.message_id + ")");
  }
  return sent;
}

Result<SendBatchResult> SqsClient::SendMessageBatch(const std::string& queue_url,
                                                    const std::vector<SendEntry>& entries) {
  size_t size = JsonSize(queue_url);
  for (const auto& e : entries) size += JsonSize(e.id) + JsonSize(e.body) + 64;
  const std::string input = RequestBody(size, [&](JsonWriter& out) {
    out.Field("QueueUrl", queue_url).Key("Entries").BeginArray();
    for (const auto& e : entries) {
      out.BeginObject().Field("Id", e.id).Field("MessageBody", e.body);
      if (e.delay_seconds >= 0) out.Field("DelaySeconds", e.delay_seconds);
      out.EndObject();
    }
    out.EndArray();
  });
  auto out = impl_->Call("SendMessageBatch", input, impl_->options.request_timeout);
  if (!out.ok()) return out.status();

  std::map<std::string_view, const SendEntry*> by_id;
  for (const auto& e : entries) by_id.emplace(e.id, &e);
  SendBatchResult result;
  result.failed = ParseFailures(*out);
  // The entries the server says it stored, and the bodies we sent under their ids (an id we did
  // not send has none), digested together.
  std::vector<SendSuccess> claimed;
  std::vector<bool> sent_by_us;
  std::vector<std::string_view> claimed_bodies;
  for (const auto& v : GetArray(*out, "Successful")) {
    if (!v.is_object()) continue;
    const auto& o = v.get_object();
    claimed.push_back(
        {GetString(o, "Id"), GetString(o, "MessageId"), GetString(o, "MD5OfMessageBody")});
    auto it = by_id.find(claimed.back().id);
    sent_by_us.push_back(it != by_id.end());
    if (it != by_id.end()) claimed_bodies.push_back(it->second->body);
  }
  const std::vector<std::string> digests = Md5OfBodies(claimed_bodies);
  result.successful.reserve(claimed.size());
  for (size_t i = 0, next_digest = 0; i < claimed.size(); ++i) {
    SendSuccess& sent = claimed[i];
    if (!sent_by_us[i] || digests[next_digest++] != sent.md5_of_body) {
      result.failed.push_back(
          {sent.id, "MD5Mismatch",
           "MD5OfMessageBody does not match the body sent (message " + sent.message_id + ")",
           false});
      continue;
    }
    result.successful.push_back(std::move(sent));
  }
  return result;
}

Result<std::vector<ReceivedMessage>> SqsClient::ReceiveMessage(const std::string& queue_url,
                                                               const ReceiveOptions& options) {
  const std::string input = RequestBody(JsonSize(queue_url) + 128, [&](JsonWriter& out) {
    out.Field("QueueUrl", queue_url)
        .Field("MaxNumberOfMessages", options.max_messages)
        .Field("WaitTimeSeconds", options.wait_time_seconds);
    if (options.visibility_timeout >= 0) out.Field("VisibilityTimeout", options.visibility_timeout);
    if (!options.attribute_names.empty()) {
      WriteStringArray(out, "MessageSystemAttributeNames", options.attribute_names);
    }
  });
  const auto timeout =
      impl_->options.request_timeout + std::chrono::seconds(std::max(0, options.wait_time_seconds));
  auto out = impl_->Call("ReceiveMessage", input, timeout);
  if (!out.ok()) return out.status();

  std::vector<ReceivedMessage> received;
  const json::array& listed = GetArray(*out, "Messages");
  received.reserve(listed.size());
  std::vector<std::string_view> bodies;
  bodies.reserve(listed.size());
  for (const auto& v : listed) {
    if (!v.is_object()) continue;
    const auto& o = v.get_object();
    received.push_back({GetString(o, "MessageId"), GetString(o, "ReceiptHandle"),
                        GetString(o, "Body"), GetString(o, "MD5OfBody"),
                        GetStringMap(o, "Attributes")});
  }
  for (const ReceivedMessage& m : received) bodies.push_back(m.body);
  const std::vector<std::string> digests = Md5OfBodies(bodies);
  std::vector<ReceivedMessage> messages;
  messages.reserve(received.size());
  for (size_t i = 0; i < received.size(); ++i) {
    ReceivedMessage& m = received[i];
    if (m.md5_of_body != digests[i]) {
      // Not deleting it means it comes back after its visibility timeout.
      spdlog::warn("sqs: dropping message {}: MD5OfBody {} does not match its body", m.message_id,
                   m.md5_of_body);
      continue;
    }
    messages.push_back(std::move(m));
  }
  return messages;
}

Status SqsClient::DeleteMessage(const std::string& queue_url, const std::string& receipt_handle) {
  const std::string input =
      RequestBody(JsonSize(queue_url) + JsonSize(receipt_handle), [&](JsonWriter& out) {
        out.Field("QueueUrl", queue_url).Field("ReceiptHandle", receipt_handle);
      });
  return impl_->Call("DeleteMessage", input, impl_->options.request_timeout).status();
}

Result<DeleteBatchResult> SqsClient::DeleteMessageBatch(const std::string& queue_url,
                                                        const std::vector<DeleteEntry>& entries) {
  size_t size = JsonSize(queue_url);
  for (const auto& e : entries) size += JsonSize(e.id) + JsonSize(e.receipt_handle) + 32;
  const std::string input = RequestBody(size, [&](JsonWriter& out) {
    out.Field("QueueUrl", queue_url).Key("Entries").BeginArray();
    for (const auto& e : entries) {
      out.BeginObject().Field("Id", e.id).Field("ReceiptHandle", e.receipt_handle).EndObject();
    }
    out.EndArray();
  });
  auto out = impl_->Call("DeleteMessageBatch", input, impl_->options.request_timeout);
  if (!out.ok()) return out.status();
  return ParseIdBatchResult(*out);
}

Status SqsClient::ChangeMessageVisibility(const std::string& queue_url,
                                          const std::string& receipt_handle,
                                          int visibility_timeout) {
  const std::string input =
      RequestBody(JsonSize(queue_url) + JsonSize(receipt_handle) + 32, [&](JsonWriter& out) {
        out.Field("QueueUrl", queue_url)
            .Field("ReceiptHandle", receipt_handle)
            .Field("VisibilityTimeout", visibility_timeout);
      });
  return impl_->Call("ChangeMessageVisibility", input, impl_->options.request_timeout).status();
}

Result<ChangeVisibilityBatchResult> SqsClient::ChangeMessageVisibilityBatch(
    const std::string& queue_url, const std::vector<VisibilityEntry>& entries) {
  size_t size = JsonSize(queue_url);
  for (const auto& e : entries) size += JsonSize(e.id) + JsonSize(e.receipt_handle) + 64;
  const std::string input = RequestBody(size, [&](JsonWriter& out) {
    out.Field("QueueUrl", queue_url).Key("Entries").BeginArray();
    for (const auto& e : entries) {
      out.BeginObject()
          .Field("Id", e.id)
          .Field("ReceiptHandle", e.receipt_handle)
          .Field("VisibilityTimeout", e.visibility_timeout)
          .EndObject();
    }
    out.EndArray();
  });
  auto out = impl_->Call("ChangeMessageVisibilityBatch", input, impl_->options.request_timeout);
  if (!out.ok()) return out.status();
  return ParseIdBatchResult(*out);
}

Result<std::map<std::string, std::string>> SqsClient::GetQueueAttributes(
    const std::string& queue_url, const std::vector<std::string>& names) {
  const std::string input = RequestBody(JsonSize(queue_url) + 64, [&](JsonWriter& out) {
    out.Field("QueueUrl", queue_url);
    WriteStringArray(out, "AttributeNames", names);
  });
  auto out = impl_->Call("GetQueueAttributes", input, impl_->options.request_timeout);
  if (!out.ok()) return out.status();
  return GetStringMap(*out, "Attributes");
}

std::string QueueNameFromUrl(const std::string& queue_url) {
  std::string path = queue_url;
  while (!path.empty() && path.back() == '/') path.pop_back();
  return path.substr(path.find_last_of('/') + 1);
}

}  // namespace roadsense::sqs
