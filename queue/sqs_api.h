// SqsApi: the Amazon SQS API of roadsense-queue over HTTP, in both wire protocols.
//
// Handle() is a pure function from a request to an (asynchronous) response — no sockets — so it
// is tested directly and plugged into net::HttpServer by main. Routing:
//   - `GET /healthz` answers 200; `GET /metrics` gives WAL and message-body counters in
//     Prometheus text format;
//   - `X-Amz-Target: AmazonSQS.<Action>` + JSON body: AWS JSON 1.0 (sqs_json_codec.h);
//   - `Action=<Action>` in the query string or a form-encoded body, POSTed (or GET) to `/` or to
//     a queue URL: the Query protocol, XML responses (sqs_query_codec.h).
// Both decode into the same input shape and run the same action code (sqs_actions.h). With an
// authenticator, every request is authenticated before dispatch; with an authorizer, authorized
// once the action and target queue are known, against the queue's Policy attribute (which also
// holds AddPermission grants). Errors are rendered in the request's protocol (sqs-api.md) and
// every response has `x-amzn-RequestId`.
//
// Threading: thread-safe; Handle() never blocks (long polls park the Responder in the engine).
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "core/shared_snapshot.h"
#include "net/http_message.h"
#include "net/http_server.h"
#include "queue/message_move_task.h"
#include "queue/queue_engine.h"
#include "queue/request_authenticator.h"

namespace roadsense::queue {

struct SqsApiOptions {
  std::string base_url = "http://127.0.0.1:9324";  // queue URLs are base_url/<account>/<name>
  std::string region = "us-east-1";                // for QueueArn
  // The server's own account: owner of the queues the anonymous caller (no authenticator)
  // creates; queues created by an authenticated caller belong to the caller's account.
  std::string account_id = "000000000000";
  // Both optional (nullptr: every request is the server account's anonymous caller, allowed);
  // must outlive the api.
  const RequestAuthenticator* authenticator = nullptr;
  const AccessAuthorizer* authorizer = nullptr;
  // Read SendMessageBatch/DeleteMessageBatch bodies of the common shape directly
  // (sqs_batch_input.h) instead of through a JSON tree. Off only in tests, which compare the
  // two paths' answers.
  bool read_batch_input_directly = true;
};

class SqsApi {
 public:
  // `engine` must outlive the api.
  SqsApi(QueueEngine* engine, SqsApiOptions options);
  ~SqsApi();  // cancels running message move tasks

  void Handle(net::HttpRequest&& request, net::Responder respond);

  // For listen port 0: the URL is known only once the server has bound. Thread-safe.
  void SetBaseUrl(std::string base_url);
  // base_url/<owner account>/<name> and arn:aws:sqs:<region>:<owner account>:<name>.
  std::string QueueUrl(const std::string& name) const;
  std::string QueueArn(const std::string& name) const;
  // The account that owns queue `name` (the server's for a queue that does not exist).
  std::string AccountOf(const std::string& name) const;
  // The queue name of a queue ARN of this server's region and the queue's owner, "" when it is
  // not one.
  std::string QueueNameFromArn(std::string_view arn) const;

  const SqsApiOptions& options() const { return options_; }
  MessageMoveTasks& move_tasks() { return *move_tasks_; }
  // AddPermission/RemovePermission edit a queue's Policy read-modify-write: `mu` serialises the
  // edits and `pending` holds each queue's newest policy until its SetQueueAttributes is applied.
  struct PolicyEdits {
    std::mutex mu;
    std::map<std::string, std::string> pending;  // queue name → policy text; guarded by mu
  };
  PolicyEdits& policy_edits() { return policy_edits_; }
  // Batch requests whose input was read directly (options().read_batch_input_directly).
  uint64_t batch_inputs_read_directly() const {
    return batch_inputs_read_directly_.load(std::memory_order_relaxed);
  }

 private:
  QueueEngine* engine_;
  SqsApiOptions options_;
  SharedSnapshot<std::string> base_url_;
  std::unique_ptr<MessageMoveTasks> move_tasks_;
  PolicyEdits policy_edits_;
  std::atomic<uint64_t> batch_inputs_read_directly_{0};
};

}  // namespace roadsense::queue
