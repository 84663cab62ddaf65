#include "sqs/sqs_client.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <random>
#include <thread>

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

json::array StringArray(const std::vector<std::string>& values) {
  json::array out;
  for (const auto& v : values) out.emplace_back(v);
  return out;
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
    }
  }

  // One AWS JSON 1.0 call with retries (SqsClientOptions::max_attempts); each attempt is signed
  // afresh, so a long backoff never sends a stale X-Amz-Date.
  Result<json::object> Call(std::string_view action, const json::object& input,
                            std::chrono::milliseconds timeout) {
    for (int attempt = 1;; ++attempt) {
      Result<json::object> result = CallOnce(action, input, timeout);
      if (result.ok() || attempt >= options.max_attempts || !IsRetryable(result.status())) {
        return result;
      }
      const auto wait = RetryDelay(attempt - 1, options.base_backoff, options.max_backoff);
      spdlog::debug("sqs: {} failed (attempt {} of {}), retrying in {} ms: {}", action, attempt,
                    options.max_attempts, wait.count(), result.status().ToString());
      std::this_thread::sleep_for(wait);
    }
  }

  // One signed AWS JSON 1.0 call; the parsed response object on HTTP 200.
  Result<json::object> CallOnce(std::string_view action, const json::object& input,
                                std::chrono::milliseconds timeout) {
    if (!endpoint_error.ok()) return endpoint_error;
    net::HttpRequest request;
    request.method = "POST";
    request.target = url.path;
    request.headers = {{"Host", url.HostHeader()},
                       {"Content-Type", "application/x-amz-json-1.0"},
                       {"X-Amz-Target", "AmazonSQS." + std::string(action)}};
    request.body = json::serialize(input);
    RS_RETURN_IF_ERROR(signer.Sign(&request, std::chrono::system_clock::now()));

    std::unique_ptr<net::HttpClient> client = Borrow();
    auto response = client->RoundTrip(request, timeout);
    if (!response.ok()) {
      return Status(response.status().code(),
                    std::string(action) + ": " + response.status().message());
    }
    Return(std::move(client));
    if (response->status != 200) return ErrorStatus(*response);

    boost::system::error_code ec;
    json::value parsed = json::parse(response->body, ec);
    if (ec || !parsed.is_object()) {
      if (response->body.empty()) return json::object();
      return Internal(std::string(action) + ": malformed JSON response: " + ec.message());
    }
    return std::move(parsed.get_object());
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
  Status endpoint_error;
  std::mutex mu;  // guards idle
  std::vector<std::unique_ptr<net::HttpClient>> idle;
};

SqsClient::SqsClient(SqsClientOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}

SqsClient::~SqsClient() = default;

Result<std::string> SqsClient::CreateQueue(const std::string& name,
                                           const std::map<std::string, std::string>& attributes) {
  json::object input{{"QueueName", name}};
  if (!attributes.empty()) {
    json::object attrs;
    for (const auto& [k, v] : attributes) attrs[k] = v;
    input["Attributes"] = std::move(attrs);
  }
  auto out = impl_->Call("CreateQueue", input, impl_->options.request_timeout);
  if (!out.ok()) return out.status();
  return GetString(*out, "QueueUrl");
}

Result<std::string> SqsClient::GetQueueUrl(const std::string& name) {
  auto out =
      impl_->Call("GetQueueUrl", json::object{{"QueueName", name}}, impl_->options.request_timeout);
  if (!out.ok()) return out.status();
  return GetString(*out, "QueueUrl");
}

Result<SendSuccess> SqsClient::SendMessage(const std::string& queue_url, const std::string& body) {
  auto out =
      impl_->Call("SendMessage", json::object{{"QueueUrl", queue_url}, {"MessageBody", body}},
                  impl_->options.request_timeout);
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
  json::array list;
  std::map<std::string, const SendEntry*> by_id;
  for (const auto& e : entries) {
    json::object entry{{"Id", e.id}, {"MessageBody", e.body}};
    if (e.delay_seconds >= 0) entry["DelaySeconds"] = e.delay_seconds;
    list.emplace_back(std::move(entry));
    by_id.emplace(e.id, &e);
  }
  auto out = impl_->Call("SendMessageBatch",
                         json::object{{"QueueUrl", queue_url}, {"Entries", std::move(list)}},
                         impl_->options.request_timeout);
  if (!out.ok()) return out.status();

  SendBatchResult result;
  result.failed = ParseFailures(*out);
  for (const auto& v : GetArray(*out, "Successful")) {
    if (!v.is_object()) continue;
    const auto& o = v.get_object();
    SendSuccess sent{GetString(o, "Id"), GetString(o, "MessageId"),
                     GetString(o, "MD5OfMessageBody")};
    auto it = by_id.find(sent.id);
    if (it == by_id.end() || Md5OfBody(it->second->body) != sent.md5_of_body) {
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
  json::object input{{"QueueUrl", queue_url},
                     {"MaxNumberOfMessages", options.max_messages},
                     {"WaitTimeSeconds", options.wait_time_seconds}};
  if (options.visibility_timeout >= 0) input["VisibilityTimeout"] = options.visibility_timeout;
  if (!options.attribute_names.empty()) {
    input["MessageSystemAttributeNames"] = StringArray(options.attribute_names);
  }
  const auto timeout =
      impl_->options.request_timeout + std::chrono::seconds(std::max(0, options.wait_time_seconds));
  auto out = impl_->Call("ReceiveMessage", input, timeout);
  if (!out.ok()) return out.status();

  std::vector<ReceivedMessage> messages;
  for (const auto& v : GetArray(*out, "Messages")) {
    if (!v.is_object()) continue;
    const auto& o = v.get_object();
    ReceivedMessage m{GetString(o, "MessageId"), GetString(o, "ReceiptHandle"),
                      GetString(o, "Body"), GetString(o, "MD5OfBody"),
                      GetStringMap(o, "Attributes")};
    if (m.md5_of_body != Md5OfBody(m.body)) {
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
  auto out = impl_->Call("DeleteMessage",
                         json::object{{"QueueUrl", queue_url}, {"ReceiptHandle", receipt_handle}},
                         impl_->options.request_timeout);
  return out.status();
}

Result<DeleteBatchResult> SqsClient::DeleteMessageBatch(const std::string& queue_url,
                                                        const std::vector<DeleteEntry>& entries) {
  json::array list;
  for (const auto& e : entries) {
    list.emplace_back(json::object{{"Id", e.id}, {"ReceiptHandle", e.receipt_handle}});
  }
  auto out = impl_->Call("DeleteMessageBatch",
                         json::object{{"QueueUrl", queue_url}, {"Entries", std::move(list)}},
                         impl_->options.request_timeout);
  if (!out.ok()) return out.status();
  return ParseIdBatchResult(*out);
}

Status SqsClient::ChangeMessageVisibility(const std::string& queue_url,
                                          const std::string& receipt_handle,
                                          int visibility_timeout) {
  auto out = impl_->Call("ChangeMessageVisibility",
                         json::object{{"QueueUrl", queue_url},
                                      {"ReceiptHandle", receipt_handle},
                                      {"VisibilityTimeout", visibility_timeout}},
                         impl_->options.request_timeout);
  return out.status();
}

Result<ChangeVisibilityBatchResult> SqsClient::ChangeMessageVisibilityBatch(
    const std::string& queue_url, const std::vector<VisibilityEntry>& entries) {
  json::array list;
  for (const auto& e : entries) {
    list.emplace_back(json::object{{"Id", e.id},
                                   {"ReceiptHandle", e.receipt_handle},
                                   {"VisibilityTimeout", e.visibility_timeout}});
  }
  auto out = impl_->Call("ChangeMessageVisibilityBatch",
                         json::object{{"QueueUrl", queue_url}, {"Entries", std::move(list)}},
                         impl_->options.request_timeout);
  if (!out.ok()) return out.status();
  return ParseIdBatchResult(*out);
}

Result<std::map<std::string, std::string>> SqsClient::GetQueueAttributes(
    const std::string& queue_url, const std::vector<std::string>& names) {
  auto out =
      impl_->Call("GetQueueAttributes",
                  json::object{{"QueueUrl", queue_url}, {"AttributeNames", StringArray(names)}},
                  impl_->options.request_timeout);
  if (!out.ok()) return out.status();
  return GetStringMap(*out, "Attributes");
}

std::string QueueNameFromUrl(const std::string& queue_url) {
  std::string path = queue_url;
  while (!path.empty() && path.back() == '/') path.pop_back();
  return path.substr(path.find_last_of('/') + 1);
}

}  // namespace roadsense::sqs
