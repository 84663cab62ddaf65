// LoadSampler: one LoadSample from the queue and the workers.
//
// Queue depth comes from GetQueueAttributes (ApproximateNumberOfMessages,
// ApproximateNumberOfMessagesNotVisible) through sqs::SqsClient, so the same code works against
// roadsense-queue and Amazon SQS. The age of the oldest message is not a queue attribute (on
// Amazon SQS it is the CloudWatch metric ApproximateAgeOfOldestMessage); it is read from a
// Prometheus endpoint when one is configured (`age_metric` with label queue="<name>"), else it is
// the largest `worker_age_metric` of the running workers (the age of the oldest message each saw
// in its latest receive), else unknown. Worker throughput is the increase of each running worker's
// `throughput_metric` counter on its /metrics since the previous sample, summed (a counter that
// went down — a restarted worker — counts from zero). Not thread-safe.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "autoscale/scaling_policy.h"
#include "autoscale/worker_fleet.h"
#include "core/status.h"
#include "sqs/sqs_client.h"

namespace roadsense::autoscale {

struct LoadSamplerOptions {
  std::string queue_url;
  std::string queue_metrics_url;  // e.g. http://127.0.0.1:9324/metrics; empty: age unknown
  std::string age_metric = "roadsense_queue_oldest_message_age_seconds";
  std::string throughput_metric = "roadsense_worker_messages_deleted_total";
  // Gauge of a worker: age of the oldest message of its latest receive (0: queue empty).
  std::string worker_age_metric = "roadsense_worker_oldest_message_age_seconds";
  std::chrono::milliseconds scrape_timeout{2000};
};

class LoadSampler {
 public:
  // `client` must outlive the sampler.
  LoadSampler(sqs::SqsClient* client, LoadSamplerOptions options);

  // Fails only when the queue's attributes cannot be read; missing worker or age metrics leave
  // those fields unset.
  Result<LoadSample> Sample(const std::vector<WorkerEndpoint>& workers, Clock::time_point now);

 private:
  // GET url; the body of a 200 answer.
  std::optional<std::string> Scrape(const std::string& url);

  sqs::SqsClient* client_;
  LoadSamplerOptions options_;
  std::string age_label_;
  std::map<pid_t, double> last_counter_;  // per worker process
  std::optional<Clock::time_point> last_time_;
};

}  // namespace roadsense::autoscale
