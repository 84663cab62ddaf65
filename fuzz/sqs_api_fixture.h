// SqsApiFixture: a real roadsense-queue request path for the SQS fuzz targets — SqsApi over a
// QueueEngine whose write-ahead log lives in a fresh temporary directory (on /dev/shm when it
// exists, so fsyncs are cheap) — with a few queues already made (`fuzz`, `fuzz-dlq` as its
// dead-letter queue, `fuzz.fifo`) and one message waiting in `fuzz`, so that fuzzed requests
// reach the message paths and not only "queue does not exist".
//
// Every fuzz input gets a fresh engine (Handle() starts one, answers, closes it): an input's
// outcome never depends on the inputs before it, so a crash reproduces from its file alone.
//
// Not thread-safe (libFuzzer calls the target from one thread).
#pragma once

#include <memory>
#include <string>

#include "net/http_message.h"

namespace roadsense::fuzz {

class SqsApiFixture {
 public:
  SqsApiFixture();
  ~SqsApiFixture();
  SqsApiFixture(const SqsApiFixture&) = delete;
  SqsApiFixture& operator=(const SqsApiFixture&) = delete;

  // Runs `request` through SqsApi::Handle on a fresh engine and returns its response. A request
  // that is still unanswered after a short wait (a long poll) is answered by the engine's Close()
  // (pending callbacks complete); aborts if it never answers or answers twice.
  net::HttpResponse Handle(net::HttpRequest request);

 private:
  std::string root_;  // parent of the per-input data directories
};

}  // namespace roadsense::fuzz
