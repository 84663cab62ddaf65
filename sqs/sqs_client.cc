#include "sqs/sqs_client.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <random>
#include <thread>

#include "core/json_writer.h"
#include "core/recycled_strings.h"
#include "net/http_client.h"
#include "sqs/message_attributes.h"
#include "sqs/sigv4_signer.h"
#include "sqs/sqs_response.h"

namespace roadsense::sqs {
namespace {

std::string EnvOr(const char* name, const char* fallback) {
  const char* value = std::getenv(name);
  return value && *value ? value : fallback;
}

// `"name":["a","b"]`.
void WriteStringArray(JsonWriter& out, std::string_view name,
                      const std::vector<std::string>& values) {
  out.Key(name).BeginArray();
  for (const auto& v : values) out.String(v);
  out.EndArray();
}

// DeleteMessageBatch / ChangeMessageVisibilityBatch response: {"Successful":[{"Id"}],"Failed":[…]}.
DeleteBatchResult IdBatchResult(SqsResponse&& response) {
  DeleteBatchResult result;
  result.failed = std::move(response.failed);
  result.successful.reserve(response.successful.size());
  for (SendSuccess& s : response.successful) result.successful.push_back(std::move(s.id));
  return result;
}

// Whether a claimed MD5 (as the server wrote it) is exactly `digits`.
bool SameDigest(const FixedText<32>& digits, std::string_view claimed) {
  return claimed == digits.view();
}

constexpr uint32_t kNotSent = UINT32_MAX;

// For each entry the server claims to have stored, the index in `entries` of the entry sent under
// its id (the first, if ids repeat), or kNotSent. Ids are looked up in a sorted index: one
// allocation for the whole batch.
std::vector<uint32_t> SentEntryIndexes(const std::vector<SendEntry>& entries,
                                       const std::vector<SendSuccess>& claimed) {
  std::vector<uint32_t> by_id(entries.size());
  for (size_t i = 0; i < entries.size(); ++i) by_id[i] = static_cast<uint32_t>(i);
  const auto id_less = [&](uint32_t a, uint32_t b) { return entries[a].id < entries[b].id; };
  std::stable_sort(by_id.begin(), by_id.end(), id_less);
  std::vector<uint32_t> out;
  out.reserve(claimed.size());
  for (const SendSuccess& s : claimed) {
    const auto it = std::lower_bound(
        by_id.begin(), by_id.end(), s.id,
        [&](uint32_t index, const std::string& id) { return entries[index].id < id; });
    out.push_back(it != by_id.end() && entries[*it].id == s.id ? *it : kNotSent);
  }
  return out;
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
  if (auto parsed = ParseSqsResponse(response.body); parsed.ok()) {
    shape = std::move(parsed->error_type);
    message = std::move(parsed->error_message);
    if (message.empty()) message = std::move(parsed->error_message_capitalized);
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
  Result<SqsResponse> Call(std::string_view action, std::string input,
                           std::chrono::milliseconds timeout) {
    SqsResponse response;
    RS_RETURN_IF_ERROR(CallInto(action, std::move(input), timeout, &response));
    return response;
  }

  // Call, parsed into `*out` as ParseSqsResponseInto does (its messages' storage reused).
  Status CallInto(std::string_view action, std::string input, std::chrono::milliseconds timeout,
                  SqsResponse* out) {
    if (!endpoint_error.ok()) return endpoint_error;
    // One request for every attempt: only its headers are rebuilt, the body is never copied.
    net::HttpRequest request;
    request.method = "POST";
    request.target = url.path;
    request.body = std::move(input);
    for (int attempt = 1;; ++attempt) {
      Status result = CallOnce(action, request, timeout, out);
      if (result.ok() || attempt >= options.max_attempts || !IsRetryable(result)) {
        RecycleString(std::move(request.body));
        return result;
      }
      const auto wait = RetryDelay(attempt - 1, options.base_backoff, options.max_backoff);
      spdlog::debug("sqs: {} failed (attempt {} of {}), retrying in {} ms: {}", action, attempt,
                    options.max_attempts, wait.count(), result.ToString());
      std::this_thread::sleep_for(wait);
    }
  }

  // One signed AWS JSON 1.0 call of `request` (method, target and body set; its headers are
  // replaced); the response object, on HTTP 200, parsed into `*out`.
  Status CallOnce(std::string_view action, net::HttpRequest& request,
                  std::chrono::milliseconds timeout, SqsResponse* out) {
    std::string target = "AmazonSQS.";
    target += action;
    // Kept across attempts (clear() keeps the capacity); room for what Sign adds: X-Amz-Date,
    // Authorization and, with temporary credentials, X-Amz-Security-Token.
    request.headers.clear();
    request.headers.reserve(6);
    request.headers.emplace_back("Host", host_header);
    request.headers.emplace_back("Content-Type", "application/x-amz-json-1.0");
    request.headers.emplace_back("X-Amz-Target", std::move(target));
    RS_RETURN_IF_ERROR(signer.Sign(&request, std::chrono::system_clock::now()));

    std::unique_ptr<net::HttpClient> client = Borrow();
    auto response = client->RoundTrip(request, timeout);
    if (!response.ok()) {
      return Status(response.status().code(),
                    std::string(action) + ": " + response.status().message());
    }
    Return(std::move(client));
    if (response->status != 200) return ErrorStatus(*response);

    const Status parsed = ParseSqsResponseInto(response->body, out);
    RecycleString(std::move(response->body));  // the results hold copies of what they need
    if (!parsed.ok()) return Internal(std::string(action) + ": " + parsed.message());
    return Status::Ok();
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
  std::string body = TakeRecycledString();  // Call recycles it once the call is done
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
  std::string input = RequestBody(JsonSize(name), [&](JsonWriter& out) {
    out.Field("QueueName", name);
    if (attributes.empty()) return;
    out.Key("Attributes").BeginObject();
    for (const auto& [k, v] : attributes) out.Field(k, v);
    out.EndObject();
  });
  auto out = impl_->Call("CreateQueue", std::move(input), impl_->options.request_timeout);
  if (!out.ok()) return out.status();
  return std::move(out->queue_url);
}

Result<std::string> SqsClient::GetQueueUrl(const std::string& name) {
  std::string input =
      RequestBody(JsonSize(name), [&](JsonWriter& out) { out.Field("QueueName", name); });
  auto out = impl_->Call("GetQueueUrl", std::move(input), impl_->options.request_timeout);
  if (!out.ok()) return out.status();
  return std::move(out->queue_url);
}

Result<SendSuccess> SqsClient::SendMessage(const std::string& queue_url, const std::string& body) {
  std::string input = RequestBody(JsonSize(queue_url) + JsonSize(body), [&](JsonWriter& out) {
    out.Field("QueueUrl", queue_url).Field("MessageBody", body);
  });
  auto out = impl_->Call("SendMessage", std::move(input), impl_->options.request_timeout);
  if (!out.ok()) return out.status();
  SendSuccess sent = std::move(out->sent);
  if (sent.md5_of_body != Md5OfBody(body)) {
    return Corruption("MD5Mismatch: MD5OfMessageBody " + sent.md5_of_body +
                      " does not match the body sent (message " + sent.message_id + ")");
  }
  return sent;
}

Result<SendBatchResult> SqsClient::SendMessageBatch(const std::string& queue_url,
                                                    const std::vector<SendEntry>& entries) {
  SendBatchResult result;
  RS_RETURN_IF_ERROR(SendMessageBatch(queue_url, entries, &result));
  return result;
}

Status SqsClient::SendMessageBatch(const std::string& queue_url,
                                   const std::vector<SendEntry>& entries, SendBatchResult* result) {
  size_t size = JsonSize(queue_url);
  for (const auto& e : entries) size += JsonSize(e.id) + JsonSize(e.body) + 64;
  std::string input = RequestBody(size, [&](JsonWriter& out) {
    out.Field("QueueUrl", queue_url).Key("Entries").BeginArray();
    for (const auto& e : entries) {
      out.BeginObject().Field("Id", e.id).Field("MessageBody", e.body);
      if (e.delay_seconds >= 0) out.Field("DelaySeconds", e.delay_seconds);
      out.EndObject();
    }
    out.EndArray();
  });
  // The response is parsed into the caller's result, so its entries' storage is reused.
  SqsResponse out;
  out.successful.swap(result->successful);
  const Status called =
      impl_->CallInto("SendMessageBatch", std::move(input), impl_->options.request_timeout, &out);
  std::vector<SendSuccess>& claimed = result->successful;
  claimed.swap(out.successful);
  result->failed = std::move(out.failed);
  if (!called.ok()) {
    claimed.clear();
    result->failed.clear();
    return called;
  }

  // The entries the server says it stored, and the bodies we sent under their ids (an id we did
  // not send has none), digested together.
  const std::vector<uint32_t> sent_as = SentEntryIndexes(entries, claimed);
  std::vector<std::string_view> claimed_bodies;
  claimed_bodies.reserve(claimed.size());
  for (uint32_t index : sent_as) {
    if (index != kNotSent) claimed_bodies.push_back(entries[index].body);
  }
  const std::vector<FixedText<32>> digests = Md5OfBodies(claimed_bodies);
  size_t kept = 0;
  for (size_t i = 0, next_digest = 0; i < claimed.size(); ++i) {
    SendSuccess& sent = claimed[i];
    if (sent_as[i] == kNotSent || !SameDigest(digests[next_digest++], sent.md5_of_body)) {
      result->failed.push_back(
          {std::move(sent.id), "MD5Mismatch",
           "MD5OfMessageBody does not match the body sent (message " + sent.message_id + ")",
           false});
      continue;
    }
    if (kept != i) std::swap(claimed[kept], sent);
    ++kept;
  }
  claimed.resize(kept);
  return Status::Ok();
}

Result<std::vector<ReceivedMessage>> SqsClient::ReceiveMessage(const std::string& queue_url,
                                                               const ReceiveOptions& options) {
  std::vector<ReceivedMessage> messages;
  RS_RETURN_IF_ERROR(ReceiveMessage(queue_url, options, &messages));
  return messages;
}

Status SqsClient::ReceiveMessage(const std::string& queue_url, const ReceiveOptions& options,
                                 std::vector<ReceivedMessage>* messages) {
  std::string input = RequestBody(JsonSize(queue_url) + 128, [&](JsonWriter& out) {
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
  // The response is parsed into the caller's messages, so their strings' storage is reused.
  SqsResponse out;
  out.messages.swap(*messages);
  const Status called = impl_->CallInto("ReceiveMessage", std::move(input), timeout, &out);
  messages->swap(out.messages);
  if (!called.ok()) {
    messages->clear();
    return called;
  }

  std::vector<std::string_view> bodies;
  bodies.reserve(messages->size());
  for (const ReceivedMessage& m : *messages) bodies.push_back(m.body);
  const std::vector<FixedText<32>> digests = Md5OfBodies(bodies);
  size_t kept = 0;
  for (size_t i = 0; i < messages->size(); ++i) {
    ReceivedMessage& m = (*messages)[i];
    if (!SameDigest(digests[i], m.md5_of_body)) {
      // Not deleting it means it comes back after its visibility timeout.
      spdlog::warn("sqs: dropping message {}: MD5OfBody {} does not match its body", m.message_id,
                   m.md5_of_body);
      continue;
    }
    if (kept != i) std::swap((*messages)[kept], m);
    ++kept;
  }
  messages->resize(kept);
  return Status::Ok();
}

Status SqsClient::DeleteMessage(const std::string& queue_url, const std::string& receipt_handle) {
  std::string input =
      RequestBody(JsonSize(queue_url) + JsonSize(receipt_handle), [&](JsonWriter& out) {
        out.Field("QueueUrl", queue_url).Field("ReceiptHandle", receipt_handle);
      });
  return impl_->Call("DeleteMessage", std::move(input), impl_->options.request_timeout).status();
}

Result<DeleteBatchResult> SqsClient::DeleteMessageBatch(const std::string& queue_url,
                                                        const std::vector<DeleteEntry>& entries) {
  size_t size = JsonSize(queue_url);
  for (const auto& e : entries) size += JsonSize(e.id) + JsonSize(e.receipt_handle) + 32;
  std::string input = RequestBody(size, [&](JsonWriter& out) {
    out.Field("QueueUrl", queue_url).Key("Entries").BeginArray();
    for (const auto& e : entries) {
      out.BeginObject().Field("Id", e.id).Field("ReceiptHandle", e.receipt_handle).EndObject();
    }
    out.EndArray();
  });
  auto out = impl_->Call("DeleteMessageBatch", std::move(input), impl_->options.request_timeout);
  if (!out.ok()) return out.status();
  return IdBatchResult(std::move(out).value());
}

Status SqsClient::ChangeMessageVisibility(const std::string& queue_url,
                                          const std::string& receipt_handle,
                                          int visibility_timeout) {
  std::string input =
      RequestBody(JsonSize(queue_url) + JsonSize(receipt_handle) + 32, [&](JsonWriter& out) {
        out.Field("QueueUrl", queue_url)
            .Field("ReceiptHandle", receipt_handle)
            .Field("VisibilityTimeout", visibility_timeout);
      });
  return impl_->Call("ChangeMessageVisibility", std::move(input), impl_->options.request_timeout)
      .status();
}

Result<ChangeVisibilityBatchResult> SqsClient::ChangeMessageVisibilityBatch(
    const std::string& queue_url, const std::vector<VisibilityEntry>& entries) {
  size_t size = JsonSize(queue_url);
  for (const auto& e : entries) size += JsonSize(e.id) + JsonSize(e.receipt_handle) + 64;
  std::string input = RequestBody(size, [&](JsonWriter& out) {
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
  auto out =
      impl_->Call("ChangeMessageVisibilityBatch", std::move(input), impl_->options.request_timeout);
  if (!out.ok()) return out.status();
  return IdBatchResult(std::move(out).value());
}

Result<std::map<std::string, std::string>> SqsClient::GetQueueAttributes(
    const std::string& queue_url, const std::vector<std::string>& names) {
  std::string input = RequestBody(JsonSize(queue_url) + 64, [&](JsonWriter& out) {
    out.Field("QueueUrl", queue_url);
    WriteStringArray(out, "AttributeNames", names);
  });
  auto out = impl_->Call("GetQueueAttributes", std::move(input), impl_->options.request_timeout);
  if (!out.ok()) return out.status();
  return std::move(out->attributes);
}

std::string_view QueueNameInUrl(std::string_view queue_url) {
  while (!queue_url.empty() && queue_url.back() == '/') queue_url.remove_suffix(1);
  return queue_url.substr(queue_url.find_last_of('/') + 1);
}

std::string QueueNameFromUrl(const std::string& queue_url) {
  return std::string(QueueNameInUrl(queue_url));
}

}  // namespace roadsense::sqs
