// SqsClient: roadsense's client for the Amazon SQS API (AWS JSON 1.0 protocol), used by every
// tier against roadsense-queue and against Amazon SQS alike. Requests are signed with SigV4.
//
// Endpoint and region: the same binary talks to either server; only the queue URL differs.
// ForQueueUrl("https://sqs.eu-central-1.amazonaws.com/123456789012/reports") gives endpoint
// https://sqs.eu-central-1.amazonaws.com and region eu-central-1 (the region is part of the host,
// and the signature's scope must name it); ForQueueUrl("http://queue:9324/000000000000/reports")
// gives endpoint http://queue:9324 and the region of AWS_REGION (default us-east-1), which must
// equal roadsense-queue's --region. Credentials: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY
// (/ AWS_SESSION_TOKEN), a key of roadsense-queue's --credentials-file or of an IAM user.
// Failed calls are retried with backoff (SqsClientOptions::max_attempts); the statuses below are
// those of the last attempt.
//
// Threading: thread-safe. Each call borrows a keep-alive HttpClient from an internal pool, so
// concurrent calls use separate connections. Errors: kUnavailable for network trouble and 5xx,
// kDeadlineExceeded for timeouts, kNotFound for QueueDoesNotExist, kResourceExhausted for
// throttling (RequestThrottled, ThrottlingException, ...; retried) and OverLimit (not retried:
// too many messages in flight), kUnauthenticated for signature/credential errors,
// kPermissionDenied for AccessDenied, kInvalidArgument for other 4xx; the message starts with the
// SQS error shape ("QueueDoesNotExist: ..."). A body digest mismatch on SendMessage is kCorruption
// ("MD5Mismatch: ..."). https:// endpoints speak TLS (net::HttpClient): the server's certificate is
// verified against the system trust store, or the PEM bundle named by the SSL_CERT_FILE environment
// variable (a private CA).
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace roadsense::sqs {

struct SqsCredentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // optional (temporary credentials)

  // AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, else a fixed local pair
  // ("roadsense" / "roadsense") that roadsense-queue accepts when authentication is off.
  static SqsCredentials FromEnvironment();
};

struct SqsClientOptions {
  // Service endpoint, e.g. "http://127.0.0.1:9324" or "https://sqs.eu-central-1.amazonaws.com".
  std::string endpoint;
  std::string region = RegionFromEnvironment();
  SqsCredentials credentials = SqsCredentials::FromEnvironment();
  std::chrono::milliseconds request_timeout{10000};  // long polls add their wait time to this
  int max_idle_connections = 16;
  // Retries (as the AWS SDKs' "standard" mode): a call that fails with a throttling error
  // (RequestThrottled, ThrottlingException, Throttling, ... or HTTP 429), a 5xx, a timeout or a
  // connection error is sent again, at most `max_attempts` times in all, after a random wait in
  // [0, min(max_backoff, base_backoff * 2^retry)) ("full jitter"). OverLimit and other 4xx are
  // not retried (retrying cannot fix them). max_attempts 1 disables retries.
  int max_attempts = 3;
  std::chrono::milliseconds base_backoff{100};
  std::chrono::milliseconds max_backoff{20000};

  // AWS_REGION when set, else "us-east-1".
  static std::string RegionFromEnvironment();
  // Options for the endpoint that serves `queue_url` (scheme://host:port of the URL); the region
  // comes from an "sqs.<region>.amazonaws.com" host, else from RegionFromEnvironment().
  static Result<SqsClientOptions> ForQueueUrl(const std::string& queue_url);
};

struct SendEntry {
  std::string id;          // unique within the batch, <= 80 chars [A-Za-z0-9_-]
  std::string body;        // valid SQS text
  int delay_seconds = -1;  // -1: the queue's default
};

struct SendSuccess {
  std::string id;
  std::string message_id;
  std::string md5_of_body;
};

struct BatchFailure {
  std::string id;
  std::string code;
  std::string message;
  bool sender_fault = false;
};

struct SendBatchResult {
  std::vector<SendSuccess> successful;
  std::vector<BatchFailure> failed;
};

struct ReceivedMessage {
  std::string message_id;
  std::string receipt_handle;
  std::string body;
  std::string md5_of_body;
  std::map<std::string, std::string> attributes;  // system attributes, e.g. ApproximateReceiveCount
};

struct ReceiveOptions {
  int max_messages = 10;                               // 1..10
  int wait_time_seconds = 20;                          // 0..20 (long polling)
  int visibility_timeout = -1;                         // seconds; -1: the queue's default
  std::vector<std::string> attribute_names = {"All"};  // sent as MessageSystemAttributeNames
};

struct DeleteEntry {
  std::string id;
  std::string receipt_handle;
};

struct DeleteBatchResult {
  std::vector<std::string> successful;  // entry ids
  std::vector<BatchFailure> failed;
};

struct VisibilityEntry {
  std::string id;  // unique within the batch, <= 80 chars [A-Za-z0-9_-]
  std::string receipt_handle;
  int visibility_timeout = 0;  // seconds from now, 0..43200
};

// Same shape as DeleteBatchResult: successful entry ids and per-entry failures.
using ChangeVisibilityBatchResult = DeleteBatchResult;

// The wait before retry number `retry` (0 for the first retry): uniform in
// [0, min(cap, base * 2^retry)) milliseconds ("full jitter").
std::chrono::milliseconds RetryDelay(int retry, std::chrono::milliseconds base,
                                     std::chrono::milliseconds cap);

// The queue name of a queue URL: its last path segment, trailing slashes ignored
// ("…/000000000000/reports" → "reports"); as a view into `queue_url`, or as a copy.
std::string_view QueueNameInUrl(std::string_view queue_url);
std::string QueueNameFromUrl(const std::string& queue_url);

class SqsClient {
 public:
  explicit SqsClient(SqsClientOptions options);
  ~SqsClient();
  SqsClient(const SqsClient&) = delete;
  SqsClient& operator=(const SqsClient&) = delete;

  Result<std::string> CreateQueue(const std::string& name,
                                  const std::map<std::string, std::string>& attributes = {});
  Result<std::string> GetQueueUrl(const std::string& name);
  Result<SendSuccess> SendMessage(const std::string& queue_url, const std::string& body);
  // Checks each successful entry's MD5OfMessageBody against the body sent; a mismatch becomes a
  // failed entry (code "MD5Mismatch").
  Result<SendBatchResult> SendMessageBatch(const std::string& queue_url,
                                           const std::vector<SendEntry>& entries);
  // The same into `*result`, replacing its contents (also on error: then empty); its entries'
  // strings are reused, as with ReceiveMessage into a vector.
  Status SendMessageBatch(const std::string& queue_url, const std::vector<SendEntry>& entries,
                          SendBatchResult* result);
  // Waits up to request_timeout + wait_time_seconds. A message whose MD5OfBody does not match its
  // body is dropped (with a warning) and will be redelivered after its visibility timeout.
  Result<std::vector<ReceivedMessage>> ReceiveMessage(const std::string& queue_url,
                                                      const ReceiveOptions& options);
  // The same into `*messages`, replacing its contents (also on error: then empty). Its elements'
  // strings are reused, so a caller that receives into one vector over and over (a poll loop,
  // the benchmarks) spares an allocation per string per message.
  Status ReceiveMessage(const std::string& queue_url, const ReceiveOptions& options,
                        std::vector<ReceivedMessage>* messages);
  Status DeleteMessage(const std::string& queue_url, const std::string& receipt_handle);
  Result<DeleteBatchResult> DeleteMessageBatch(const std::string& queue_url,
                                               const std::vector<DeleteEntry>& entries);
  // Makes the message invisible for `visibility_timeout` seconds from now (0: visible at once).
  Status ChangeMessageVisibility(const std::string& queue_url, const std::string& receipt_handle,
                                 int visibility_timeout);
  // Up to 10 entries per call (the SQS limit).
  Result<ChangeVisibilityBatchResult> ChangeMessageVisibilityBatch(
      const std::string& queue_url, const std::vector<VisibilityEntry>& entries);
  Result<std::map<std::string, std::string>> GetQueueAttributes(
      const std::string& queue_url, const std::vector<std::string>& names = {"All"});

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace roadsense::sqs
