#include "simulator/sqs_queue_depth.h"

#include <charconv>
#include <map>

#include "sqs/sqs_client.h"

namespace roadsense::simulator {
namespace {

Result<int64_t> Count(const std::map<std::string, std::string>& attributes,
                      const std::string& name) {
  const auto it = attributes.find(name);
  if (it == attributes.end()) return Unavailable("GetQueueAttributes did not return " + name);
  int64_t n = 0;
  const auto [end, ec] =
      std::from_chars(it->second.data(), it->second.data() + it->second.size(), n);
  if (ec != std::errc() || end != it->second.data() + it->second.size()) {
    return Unavailable(name + " is not a number: " + it->second);
  }
  return n;
}

}  // namespace

Result<QueueDepthReader> SqsQueueDepth::ReaderFor(const std::string& queue_url) {
  Result<sqs::SqsClientOptions> options = sqs::SqsClientOptions::ForQueueUrl(queue_url);
  if (!options.ok()) return InvalidArgument("--queue-url: " + options.status().message());
  options->request_timeout = std::chrono::milliseconds(5000);
  std::shared_ptr<sqs::SqsClient> client = std::make_shared<sqs::SqsClient>(std::move(*options));
  return QueueDepthReader([client, queue_url]() -> Result<QueueDepth> {
    static const std::vector<std::string> kNames = {"ApproximateNumberOfMessages",
                                                    "ApproximateNumberOfMessagesNotVisible",
                                                    "ApproximateNumberOfMessagesDelayed"};
    auto attributes = client->GetQueueAttributes(queue_url, kNames);
    if (!attributes.ok()) return attributes.status();
    QueueDepth d;
    Result<int64_t> visible = Count(*attributes, kNames[0]);
    Result<int64_t> in_flight = Count(*attributes, kNames[1]);
    Result<int64_t> delayed = Count(*attributes, kNames[2]);
    for (const auto* r : {&visible, &in_flight, &delayed}) {
      if (!r->ok()) return r->status();
    }
    d.visible = *visible;
    d.in_flight = *in_flight;
    d.delayed = *delayed;
    return d;
  });
}

}  // namespace roadsense::simulator
