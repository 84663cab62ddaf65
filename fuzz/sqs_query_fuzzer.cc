// libFuzzer target: roadsense-queue's SQS Query protocol — form decoding (queue/form_params.h),
// the model-driven un-flattening of lists and maps into the JSON protocol's shapes
// (queue/sqs_query_codec.h), every action's validation and execution against a real QueueEngine
// (fuzz/sqs_api_fixture.h), and the XML encoding of the answer.
//
// Input: the request target (path and query string, e.g. "/000000000000/fuzz?Action=..."), a
// newline, then the form-encoded POST body. Checked: no crash or sanitizer report; exactly one
// answer, with an HTTP status and an XML body of valid UTF-8 XML characters.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "fuzz/sqs_api_fixture.h"
#include "queue/message_validation.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static roadsense::fuzz::SqsApiFixture fixture;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t newline = input.find('\n');
  const std::string_view target = input.substr(0, newline);
  const std::string_view body =
      newline == std::string_view::npos ? std::string_view() : input.substr(newline + 1);

  roadsense::net::HttpRequest request;
  request.method = "POST";
  request.target = target.starts_with('/') ? std::string(target) : "/" + std::string(target);
  request.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
  request.body = std::string(body);
  const roadsense::net::HttpResponse response = fixture.Handle(std::move(request));

  if (response.status < 200 || response.status > 599) std::abort();
  // Well-formed XML needs valid UTF-8 of XML characters only.
  if (!response.body.starts_with("<") ||
      roadsense::queue::ReplaceInvalidCharacters(response.body) != response.body) {
    std::fprintf(stderr, "malformed response %d: %s\n", response.status, response.body.c_str());
    std::abort();
  }
  return 0;
}
