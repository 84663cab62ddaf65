#include "autoscale/load_sampler.h"

#include <algorithm>

#include "autoscale/prometheus_text.h"
#include "net/http_client.h"

namespace roadsense::autoscale {
namespace {

Result<int64_t> Count(const std::map<std::string, std::string>& attributes,
                      const std::string& name) {
  auto it = attributes.find(name);
  if (it == attributes.end()) return Unavailable("GetQueueAttributes did not return " + name);
  try {
    return static_cast<int64_t>(std::stoll(it->second));
  } catch (const std::exception&) {
    return Unavailable(name + " is not a number: '" + it->second + "'");
  }
}

}  // namespace

LoadSampler::LoadSampler(sqs::SqsClient* client, LoadSamplerOptions options)
    : client_(client),
      options_(std::move(options)),
      age_label_("queue=\"" + sqs::QueueNameFromUrl(options_.queue_url) + "\"") {}

std::optional<std::string> LoadSampler::Scrape(const std::string& url) {
  Result<net::HttpUrl> parsed = net::ParseHttpUrl(url);
  if (!parsed.ok()) return std::nullopt;
  net::HttpClient http(*parsed);
  net::HttpRequest request;
  request.method = "GET";
  request.target = parsed->path;
  Result<net::HttpResponse> response = http.RoundTrip(request, options_.scrape_timeout);
  if (!response.ok() || response->status != 200) return std::nullopt;
  return std::move(response->body);
}

Result<LoadSample> LoadSampler::Sample(const std::vector<WorkerEndpoint>& workers,
                                       Clock::time_point now) {
  auto attributes = client_->GetQueueAttributes(
      options_.queue_url, {"ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"});
  if (!attributes.ok()) return attributes.status();
  LoadSample sample;
  sample.time = now;
  Result<int64_t> visible = Count(*attributes, "ApproximateNumberOfMessages");
  if (!visible.ok()) return visible.status();
  Result<int64_t> in_flight = Count(*attributes, "ApproximateNumberOfMessagesNotVisible");
  if (!in_flight.ok()) return in_flight.status();
  sample.visible = *visible;
  sample.in_flight = *in_flight;
  if (!options_.queue_metrics_url.empty()) {
    if (std::optional<std::string> text = Scrape(options_.queue_metrics_url)) {
      sample.oldest_age_seconds = SumSamples(*text, options_.age_metric, age_label_);
    }
  }

  // Throughput: counter increase per worker since the last sample. Only workers that answered
  // both times contribute; if none answered, throughput stays unknown.
  std::map<pid_t, double> counters;
  double increase = 0;
  bool any = false;
  for (const WorkerEndpoint& w : workers) {
    const std::optional<std::string> text =
        Scrape("http://127.0.0.1:" + std::to_string(w.metrics_port) + "/metrics");
    if (!text) continue;
    if (options_.queue_metrics_url.empty()) {
      if (std::optional<double> age = SumSamples(*text, options_.worker_age_metric)) {
        sample.oldest_age_seconds = std::max(sample.oldest_age_seconds.value_or(0), *age);
      }
    }
    const std::optional<double> value = SumSamples(*text, options_.throughput_metric);
    if (!value) continue;
    counters[w.pid] = *value;
    auto last = last_counter_.find(w.pid);
    if (last == last_counter_.end()) continue;
    increase += *value >= last->second ? *value - last->second : *value;
    any = true;
  }
  if (any && last_time_) {
    const double dt = std::chrono::duration<double>(now - *last_time_).count();
    if (dt > 0) sample.processed_per_second = increase / dt;
  }
  last_counter_ = std::move(counters);
  last_time_ = now;
  return sample;
}

}  // namespace roadsense::autoscale
