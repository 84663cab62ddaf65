// roadsense-queue: a durable queue server speaking the Amazon SQS AWS JSON 1.0 protocol.
// See queue/README.md.
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <string>

#include "core/flag_set.h"
#include "core/logging.h"
#include "core/termination_signal.h"
#include "net/http_server.h"
#include "queue/queue_engine.h"
#include "queue/sqs_json_api.h"

int main(int argc, char** argv) {
  using namespace roadsense;
  BlockTerminationSignals();

  std::string listen = "127.0.0.1:9324";
  std::string data_dir = "./roadsense-queue-data";
  int threads = 2;
  std::string region = "us-east-1";
  std::string account_id = "000000000000";
  std::string log_level = "info";
  FlagSet flags("roadsense-queue",
                "Durable queue server speaking the Amazon SQS API (AWS JSON 1.0 protocol).");
  flags.AddString("listen", &listen, "host:port to serve on (port 0 picks a free port)");
  flags.AddString("data-dir", &data_dir, "directory of the write-ahead log (created if missing)");
  flags.AddInt("threads", &threads, "HTTP I/O threads");
  flags.AddString("region", &region, "AWS region used in queue ARNs");
  flags.AddString("account-id", &account_id, "account id used in queue URLs and ARNs");
  flags.AddString("log-level", &log_level, "trace, debug, info, warn or error");
  flags.ParseOrExit(argc, argv);
  InitLogging("roadsense-queue", log_level);

  auto host_port = net::ParseHostPort(listen);
  if (!host_port.ok()) {
    spdlog::error("--listen: {}", host_port.status().ToString());
    return 2;
  }
  auto engine = queue::QueueEngine::Open({data_dir});
  if (!engine.ok()) {
    spdlog::error("cannot open {}: {}", data_dir, engine.status().ToString());
    return 1;
  }
  queue::SqsJsonApi api(engine->get(), {"", region, account_id});
  net::HttpServerOptions options;
  options.listen = listen;
  options.threads = threads;
  options.body_limit = 2 << 20;  // a 1 MiB batch plus JSON overhead
  options.server_name = "roadsense-queue";
  net::HttpServer server(options, [&api](net::HttpRequest&& request, net::Responder respond) {
    api.Handle(std::move(request), std::move(respond));
  });
  if (Status s = server.Start(); !s.ok()) {
    spdlog::error("cannot listen on {}: {}", listen, s.ToString());
    return 1;
  }
  const std::string host = host_port->first.find(':') != std::string::npos
                               ? "[" + host_port->first + "]"
                               : host_port->first;
  api.SetBaseUrl("http://" + host + ":" + std::to_string(server.port()));
  spdlog::info("roadsense-queue serving on {}:{}, data in {}", host, server.port(), data_dir);

  const int sig = WaitForTerminationSignal();
  spdlog::info("signal {}: shutting down", sig);
  server.Stop();
  (*engine)->Close();
  return 0;
}
