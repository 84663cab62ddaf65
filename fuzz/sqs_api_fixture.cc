#include "fuzz/sqs_api_fixture.h"

#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <initializer_list>
#include <mutex>
#include <optional>
#include <utility>

#include "core/logging.h"
#include "queue/queue_engine.h"
#include "queue/sqs_api.h"

namespace roadsense::fuzz {
namespace {

namespace fs = std::filesystem;

void Die(const std::string& why) {
  std::fprintf(stderr, "SqsApiFixture: %s\n", why.c_str());
  std::abort();
}

// The one answer of a request, from whichever thread gives it.
struct Answer {
  std::mutex mu;
  std::condition_variable cv;
  std::optional<net::HttpResponse> response;  // guarded by mu
  int calls = 0;                              // guarded by mu

  bool WaitFor(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, timeout, [&] { return calls > 0; });
  }
};

std::unique_ptr<queue::QueueEngine> OpenEngine(const std::string& dir) {
  queue::QueueEngineOptions options;
  options.data_dir = dir;
  auto engine = queue::QueueEngine::Open(options);
  if (!engine.ok()) Die("open engine in " + dir + ": " + engine.status().ToString());
  return std::move(*engine);
}

// Hands `request` to `api`; the returned Answer is filled whenever the api responds.
std::shared_ptr<Answer> Dispatch(queue::SqsApi& api, net::HttpRequest request) {
  auto answer = std::make_shared<Answer>();
  api.Handle(std::move(request), [answer](net::HttpResponse response) {
    std::lock_guard lock(answer->mu);
    if (++answer->calls == 1) answer->response = std::move(response);
    answer->cv.notify_all();
  });
  return answer;
}

net::HttpRequest JsonRequest(std::string action, std::string body) {
  net::HttpRequest request;
  request.method = "POST";
  request.target = "/";
  request.headers = {{"Content-Type", "application/x-amz-json-1.0"},
                     {"X-Amz-Target", "AmazonSQS." + std::move(action)}};
  request.body = std::move(body);
  return request;
}

}  // namespace

SqsApiFixture::SqsApiFixture() {
  InitLogging("fuzz", "error");  // an engine per input: its info lines would drown the fuzzer's
  const fs::path base = fs::exists("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path();
  root_ = (base / ("roadsense-fuzz-" + std::to_string(::getpid()))).string();
  fs::remove_all(root_);
  // The template state every input starts from, made once through the API itself.
  auto engine = OpenEngine(root_ + "/template");
  {
    queue::SqsApi api(engine.get(), {});
    const std::string url = "http://127.0.0.1:9324/000000000000/";
    for (auto [action, body] : std::initializer_list<std::pair<const char*, std::string>>{
             {"CreateQueue", R"({"QueueName":"fuzz-dlq"})"},
             {"CreateQueue",
              R"({"QueueName":"fuzz","Attributes":{"RedrivePolicy":"{\"deadLetterTargetArn\":)"
              R"(\"arn:aws:sqs:us-east-1:000000000000:fuzz-dlq\",\"maxReceiveCount\":\"2\"}"}})"},
             {"CreateQueue", R"({"QueueName":"fuzz.fifo","Attributes":{"FifoQueue":"true"}})"},
             {"SendMessage", R"({"QueueUrl":")" + url +
                                 R"(fuzz","MessageBody":"hello","MessageAttributes":)"
                                 R"({"a":{"DataType":"String","StringValue":"b"}}})"},
         }) {
      auto answer = Dispatch(api, JsonRequest(action, body));
      if (!answer->WaitFor(std::chrono::seconds(10)) || answer->response->status != 200) {
        Die(std::string("template request ") + action + " failed");
      }
    }
    engine->Close();
  }
  engine.reset();
  fs::remove(root_ + "/template/LOCK");
}

SqsApiFixture::~SqsApiFixture() {
  std::error_code ec;
  fs::remove_all(root_, ec);
}

net::HttpResponse SqsApiFixture::Handle(net::HttpRequest request) {
  const std::string dir = root_ + "/run";
  fs::remove_all(dir);
  fs::copy(root_ + "/template", dir, fs::copy_options::recursive);
  auto engine = OpenEngine(dir);
  std::shared_ptr<Answer> answer;
  {
    queue::SqsApi api(engine.get(), {});
    answer = Dispatch(api, std::move(request));
    // Immediate and fsynced answers come within microseconds on tmpfs; a long poll waits for
    // Close(), which answers it.
    answer->WaitFor(std::chrono::milliseconds(20));
    // As in queue/main.cc: Close() completes pending callbacks, which use the api, so it runs
    // while the api is alive; ~SqsApi then cancels message move tasks.
    engine->Close();
  }
  engine.reset();
  if (!answer->WaitFor(std::chrono::seconds(30))) Die("a request was never answered");
  std::lock_guard lock(answer->mu);
  if (answer->calls != 1) Die("a request was answered " + std::to_string(answer->calls) + " times");
  return *answer->response;
}

}  // namespace roadsense::fuzz
