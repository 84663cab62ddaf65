// roadsense-autoscale: runs between --min and --max local roadsense-worker processes, sized from
// the queue's depth and the workers' throughput (ScalingPolicy), and restarts workers that die.
// See autoscale/README.md.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <mutex>

#include "autoscale/load_sampler.h"
#include "autoscale/scaling_policy.h"
#include "autoscale/worker_fleet.h"
#include "core/flag_set.h"
#include "core/logging.h"
#include "core/prometheus_text.h"
#include "core/termination_signal.h"
#include "net/http_server.h"
#include "sqs/sqs_client.h"

namespace roadsense::autoscale {
namespace {

using std::chrono::milliseconds;

// roadsense-worker in the directory of this binary (both are installed side by side).
std::string SiblingWorkerBinary() {
  char buf[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return "roadsense-worker";
  std::string self(buf, static_cast<size_t>(n));
  return self.substr(0, self.rfind('/') + 1) + "roadsense-worker";
}

milliseconds Millis(double seconds) { return milliseconds(static_cast<int64_t>(seconds * 1000)); }

// The controller's state for GET /metrics, rendered once per tick.
class MetricsPage {
 public:
  void Update(const LoadSample* sample, const ScalingPolicy& policy, const WorkerFleet& fleet,
              int target, int64_t ups, int64_t downs, int64_t queue_errors) {
    std::string out;
    auto metric = [&out](const char* name, const char* type, const char* help, double value) {
      char line[64];
      std::snprintf(line, sizeof line, "%.6g", value);
      AppendPrometheusHeader(&out, name, help, type);
      out += std::string(name) + " " + line + "\n";
    };
    metric("roadsense_autoscale_workers", "gauge", "Workers running or about to restart.",
           fleet.active());
    metric("roadsense_autoscale_workers_stopping", "gauge", "Workers finishing after SIGTERM.",
           fleet.stopping());
    metric("roadsense_autoscale_target_workers", "gauge", "Worker count the policy chose.", target);
    metric("roadsense_autoscale_worker_rate", "gauge",
           "Messages/s one worker processes (measured while saturated, else --worker-rate).",
           policy.worker_rate());
    if (sample != nullptr) {
      metric("roadsense_autoscale_queue_visible_messages", "gauge",
             "ApproximateNumberOfMessages of the queue.", sample->visible);
      metric("roadsense_autoscale_queue_inflight_messages", "gauge",
             "ApproximateNumberOfMessagesNotVisible of the queue.", sample->in_flight);
      if (sample->oldest_age_seconds) {
        metric("roadsense_autoscale_queue_oldest_message_age_seconds", "gauge",
               "Age of the oldest message, from the queue's metrics.", *sample->oldest_age_seconds);
      }
      if (sample->processed_per_second) {
        metric("roadsense_autoscale_processed_messages_per_second", "gauge",
               "Messages/s all workers processed over the last interval.",
               *sample->processed_per_second);
      }
    }
    metric("roadsense_autoscale_scale_ups_total", "counter", "Scale-up decisions.", ups);
    metric("roadsense_autoscale_scale_downs_total", "counter", "Scale-down decisions.", downs);
    metric("roadsense_autoscale_worker_restarts_total", "counter",
           "Workers restarted after dying unasked.", fleet.restarts());
    metric("roadsense_autoscale_queue_errors_total", "counter", "Failed GetQueueAttributes calls.",
           queue_errors);
    std::lock_guard lock(mu_);
    text_ = std::move(out);
  }
  std::string text() const {
    std::lock_guard lock(mu_);
    return text_;
  }

 private:
  mutable std::mutex mu_;
  std::string text_;
};

int Main(int argc, char** argv) {
  BlockTerminationSignals();
  ScalingOptions scaling;
  LoadSamplerOptions sampling;
  WorkerFleetOptions fleet_options;
  fleet_options.worker_binary = SiblingWorkerBinary();
  fleet_options.metrics_flag = "metrics-listen";
  fleet_options.metrics_port_base = 9500;
  std::string worker_config;
  std::string metrics_listen;
  std::string log_level = "info";
  double interval_seconds = 2, up_cooldown_seconds = 10, down_cooldown_seconds = 60,
         stop_grace_seconds = 60;

  FlagSet flags("roadsense-autoscale",
                "Runs between --min and --max local roadsense-worker processes, sized from the "
                "queue's depth (GetQueueAttributes; roadsense-queue or Amazon SQS) and the "
                "workers' throughput, so that the backlog drains within --target-drain-seconds. "
                "Stops workers with SIGTERM, restarts workers that die, logs every decision. "
                "Flags after `--` go to every worker.");
  flags.AddString("queue-url", &sampling.queue_url,
                  "queue the workers poll (required); also passed to them as --queue-url");
  flags.AddInt("min", &scaling.min_workers, "fewest workers (0 allowed)");
  flags.AddInt("max", &scaling.max_workers, "most workers");
  flags.AddDouble("target-drain-seconds", &scaling.target_drain_seconds,
                  "run enough workers to drain the backlog within this time");
  flags.AddDouble("worker-rate", &scaling.worker_rate_guess,
                  "messages/s one worker processes, until the workers' metrics measured it");
  flags.AddDouble("scale-down-utilization", &scaling.scale_down_utilization,
                  "hysteresis: shrink only when the smaller fleet would be at most this busy "
                  "(0..1]");
  flags.AddDouble("scale-up-cooldown-seconds", &up_cooldown_seconds,
                  "least time between a change and the next scale-up");
  flags.AddDouble("scale-down-cooldown-seconds", &down_cooldown_seconds,
                  "fewer workers must have sufficed this long, and the last change be this old, "
                  "before a scale-down");
  flags.AddDouble("interval-seconds", &interval_seconds, "time between decisions");
  flags.AddString("worker-binary", &fleet_options.worker_binary, "roadsense-worker to run");
  flags.AddString("worker-config", &worker_config,
                  "config file passed to every worker as --config (empty: none)");
  flags.AddString("worker-metrics-flag", &fleet_options.metrics_flag,
                  "the worker's flag for its /metrics listen address");
  flags.AddInt("worker-metrics-port-base", &fleet_options.metrics_port_base,
               "worker slot i serves /metrics on 127.0.0.1:<base+i>; 0: do not scrape workers "
               "(the policy then uses --worker-rate)");
  flags.AddString("worker-throughput-metric", &sampling.throughput_metric,
                  "counter of messages a worker finished, read from its /metrics");
  flags.AddString("worker-age-metric", &sampling.worker_age_metric,
                  "gauge of a worker's oldest received message age, read from its /metrics");
  flags.AddString("queue-metrics-url", &sampling.queue_metrics_url,
                  "Prometheus endpoint with the oldest message's age (empty: the workers' "
                  "--worker-age-metric)");
  flags.AddString("queue-age-metric", &sampling.age_metric,
                  "gauge of the oldest message's age in seconds, label queue=\"<name>\"");
  flags.AddString("metrics-listen", &metrics_listen,
                  "host:port for this controller's GET /metrics (empty: off)");
  flags.AddDouble("stop-grace-seconds", &stop_grace_seconds,
                  "on shutdown, SIGKILL workers still running after this long");
  flags.AddString("log-level", &log_level, "trace, debug, info, warn or error");
  flags.AcceptTrailingArguments("WORKER-FLAGS...");
  flags.ParseOrExit(argc, argv);
  InitLogging("roadsense-autoscale", log_level);

  std::string error;
  if (sampling.queue_url.empty())
    error = "--queue-url is required";
  else if (scaling.min_workers < 0 || scaling.max_workers < 1 ||
           scaling.min_workers > scaling.max_workers)
    error = "need 0 <= --min <= --max and --max >= 1";
  else if (scaling.target_drain_seconds <= 0 || scaling.worker_rate_guess <= 0)
    error = "--target-drain-seconds and --worker-rate must be > 0";
  else if (scaling.scale_down_utilization <= 0 || scaling.scale_down_utilization > 1)
    error = "--scale-down-utilization must be in (0, 1]";
  else if (interval_seconds <= 0 || up_cooldown_seconds < 0 || down_cooldown_seconds < 0)
    error = "--interval-seconds must be > 0 and cooldowns >= 0";
  if (!error.empty()) {
    std::fprintf(stderr, "roadsense-autoscale: %s (see --help)\n", error.c_str());
    return 2;
  }
  auto client_options = sqs::SqsClientOptions::ForQueueUrl(sampling.queue_url);
  if (!client_options.ok()) {
    std::fprintf(stderr, "roadsense-autoscale: --queue-url: %s\n",
                 client_options.status().ToString().c_str());
    return 2;
  }
  scaling.scale_up_cooldown = Millis(up_cooldown_seconds);
  scaling.scale_down_cooldown = Millis(down_cooldown_seconds);
  fleet_options.worker_args = {"--queue-url", sampling.queue_url};
  if (!worker_config.empty()) {
    fleet_options.worker_args.insert(fleet_options.worker_args.end(), {"--config", worker_config});
  }
  const auto& passed = flags.trailing_arguments();
  fleet_options.worker_args.insert(fleet_options.worker_args.end(), passed.begin(), passed.end());

  sqs::SqsClient client(*client_options);
  LoadSampler sampler(&client, sampling);
  ScalingPolicy policy(scaling);
  WorkerFleet fleet(fleet_options);
  MetricsPage page;
  std::unique_ptr<net::HttpServer> server;
  if (!metrics_listen.empty()) {
    net::HttpServerOptions server_options;
    server_options.listen = metrics_listen;
    server_options.threads = 1;
    server = std::make_unique<net::HttpServer>(
        server_options, [&page](net::HttpRequest&& request, net::Responder respond) {
          if (request.Path() == "/metrics") {
            net::HttpResponse r = net::HttpResponse::Text(200, page.text());
            r.SetHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
            return respond(std::move(r));
          }
          if (request.Path() == "/healthz") return respond(net::HttpResponse::Text(200, "ok\n"));
          respond(net::HttpResponse::Text(404, "not found\n"));
        });
    if (Status s = server->Start(); !s.ok()) {
      spdlog::error("--metrics-listen {}: {}", metrics_listen, s.ToString());
      return 1;
    }
  }

  spdlog::info(
      "controlling {}..{} workers for {} (target drain {} s, {} msg/s per worker until "
      "measured); worker command: {} {}",
      scaling.min_workers, scaling.max_workers, sampling.queue_url, scaling.target_drain_seconds,
      scaling.worker_rate_guess, fleet_options.worker_binary,
      fmt::join(fleet_options.worker_args, " "));
  int target = scaling.min_workers;
  fleet.ScaleTo(target, Clock::now());
  int64_t ups = 0, downs = 0, queue_errors = 0;
  std::string last_queue_error;
  page.Update(nullptr, policy, fleet, target, ups, downs, queue_errors);
  while (!TerminationSignalWithin(Millis(interval_seconds))) {
    const auto now = Clock::now();
    fleet.Reap(now);
    Result<LoadSample> sample = sampler.Sample(fleet.endpoints(), now);
    if (!sample.ok()) {
      // Without a reading nothing changes: the workers keep running as they are.
      ++queue_errors;
      if (sample.status().message() != last_queue_error) {
        spdlog::warn("cannot read the queue's attributes, holding at {} workers: {}",
                     fleet.active(), sample.status().ToString());
        last_queue_error = sample.status().message();
      }
      page.Update(nullptr, policy, fleet, target, ups, downs, queue_errors);
      continue;
    }
    last_queue_error.clear();
    const ScalingDecision decision = policy.Decide(*sample, fleet.active());
    if (decision.action == ScalingDecision::Action::kHold) {
      spdlog::debug("{}", decision.reason);
    } else {
      spdlog::info("{}", decision.reason);
      (decision.action == ScalingDecision::Action::kUp ? ups : downs)++;
      target = decision.target;
      fleet.ScaleTo(target, now);
    }
    page.Update(&*sample, policy, fleet, target, ups, downs, queue_errors);
  }
  spdlog::info("signal: stopping {} workers (SIGTERM, up to {} s)", fleet.active(),
               stop_grace_seconds);
  if (server) server->StopAccepting();
  fleet.StopAll(Millis(stop_grace_seconds));
  if (server) server->Stop();
  spdlog::info("stopped");
  return 0;
}

}  // namespace
}  // namespace roadsense::autoscale

int main(int argc, char** argv) { return roadsense::autoscale::Main(argc, argv); }
