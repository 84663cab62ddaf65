// SqsJsonApi: the Amazon SQS AWS JSON 1.0 protocol on top of QueueEngine.
//
// Handle() is a pure function from a request to an (asynchronous) response — no sockets — so it
// is tested directly and plugged into net::HttpServer by main. Requests: `POST /` with
// `X-Amz-Target: AmazonSQS.<Action>` and a JSON body; `GET /healthz` answers 200;
// `GET /metrics` gives WAL counters in Prometheus text format. Errors follow
// sqs-api.md: `__type` "com.amazonaws.sqs#<Shape>", header `x-amzn-query-error:
// <LegacyCode>;Sender|Receiver`, HTTP status per shape. Every response has `x-amzn-RequestId`.
// Authorization is not checked yet.
//
// Threading: thread-safe; Handle() never blocks (long polls park the Responder in the engine).
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "net/http_message.h"
#include "net/http_server.h"
#include "queue/queue_engine.h"

namespace roadsense::queue {

struct SqsApiOptions {
  std::string base_url = "http://127.0.0.1:9324";  // queue URLs are base_url/<account>/<name>
  std::string region = "us-east-1";                // for QueueArn
  std::string account_id = "000000000000";
};

class SqsJsonApi {
 public:
  // `engine` must outlive the api.
  SqsJsonApi(QueueEngine* engine, SqsApiOptions options);

  void Handle(net::HttpRequest&& request, net::Responder respond);

  // For listen port 0: the URL is known only once the server has bound. Thread-safe.
  void SetBaseUrl(std::string base_url);
  std::string QueueUrl(const std::string& name) const;

 private:
  QueueEngine* engine_;
  SqsApiOptions options_;
  std::atomic<std::shared_ptr<const std::string>> base_url_;
};

}  // namespace roadsense::queue
