// libFuzzer target: roadsense-queue's AWS JSON 1.0 protocol — X-Amz-Target routing, body
// decoding (queue/sqs_json_codec.h), required members and every action's input validation and
// execution (queue/sqs_actions.h) against a real QueueEngine (fuzz/sqs_api_fixture.h).
//
// Input: the action name ("SendMessage"; sent as `X-Amz-Target: AmazonSQS.<first line>`), a
// newline, then the request body. Checked: no crash or sanitizer report; exactly one answer; its
// status is an HTTP error or success status and its body is JSON.
#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "fuzz/sqs_api_fixture.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static roadsense::fuzz::SqsApiFixture fixture;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t newline = input.find('\n');
  const std::string_view action = input.substr(0, newline);
  const std::string_view body =
      newline == std::string_view::npos ? std::string_view() : input.substr(newline + 1);

  roadsense::net::HttpRequest request;
  request.method = "POST";
  request.target = "/";
  request.headers = {{"Content-Type", "application/x-amz-json-1.0"},
                     {"X-Amz-Target", "AmazonSQS." + std::string(action)}};
  request.body = std::string(body);
  const roadsense::net::HttpResponse response = fixture.Handle(std::move(request));

  if (response.status < 200 || response.status > 599) std::abort();
  boost::system::error_code ec;
  const boost::json::value parsed = boost::json::parse(response.body, ec);
  if (ec || !parsed.is_object()) {
    std::fprintf(stderr, "malformed response %d: %s\n", response.status, response.body.c_str());
    std::abort();
  }
  return 0;
}
