// roadsense-queue: a durable queue server speaking the Amazon SQS API (AWS JSON 1.0 and Query).
// See queue/README.md.
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <memory>
#include <string>

#include "core/flag_set.h"
#include "core/logging.h"
#include "core/termination_signal.h"
#include "net/http_server.h"
#include "queue/policy_authorizer.h"
#include "queue/queue_engine.h"
#include "queue/sigv4_authenticator.h"
#include "queue/sqs_api.h"

namespace {

// 127.0.0.0/8, ::1 and "localhost": only this machine can connect.
bool IsLoopbackHost(const std::string& host) {
  return host == "localhost" || host == "::1" || host.starts_with("127.");
}

}  // namespace

int main(int argc, char** argv) {
  using namespace roadsense;
  BlockTerminationSignals(/*with_reload=*/true);

  std::string listen = "127.0.0.1:9324";
  std::string data_dir = "./roadsense-queue-data";
  int threads = 2;
  std::string region = "us-east-1";
  std::string account_id = "000000000000";
  std::string log_level = "info";
  std::string tls_cert;
  std::string tls_key;
  std::string credentials_file;
  std::string encryption_keys_file;
  bool insecure = false;
  int body_memory_mb = 256;
  FlagSet flags("roadsense-queue",
                "Durable queue server speaking the Amazon SQS API (AWS JSON 1.0 and Query).");
  flags.AddString("listen", &listen, "host:port to serve on (port 0 picks a free port)");
  flags.AddString("data-dir", &data_dir, "directory of the write-ahead log (created if missing)");
  flags.AddInt("threads", &threads, "HTTP I/O threads");
  flags.AddString("region", &region, "AWS region used in queue ARNs");
  flags.AddString("account-id", &account_id, "account id used in queue URLs and ARNs");
  flags.AddString("log-level", &log_level, "trace, debug, info, warn or error");
  flags.AddString("tls-cert", &tls_cert, "PEM certificate chain: serve HTTPS (with --tls-key)");
  flags.AddString("tls-key", &tls_key, "PEM private key of --tls-cert");
  flags.AddString("credentials-file", &credentials_file,
                  "SigV4 access keys (queue/credentials_file.md), reloaded on SIGHUP; empty: "
                  "no authentication (loopback only unless --insecure)");
  flags.AddString("encryption-keys-file", &encryption_keys_file,
                  "AES-256 keys (queue/wal_keyring.md) that encrypt the messages of queues with "
                  "SqsManagedSseEnabled or KmsMasterKeyId in the data directory; empty: such "
                  "queues cannot be created");
  flags.AddInt("body-memory-mb", &body_memory_mb,
               "MiB of message bodies kept in memory once written to the log; the others are "
               "read back from the log when received (0: none kept)");
  flags.AddBool("insecure", &insecure,
                "allow a non-loopback --listen without --credentials-file (anyone who can connect "
                "may do anything)");
  flags.ParseOrExit(argc, argv);
  InitLogging("roadsense-queue", log_level);

  auto host_port = net::ParseHostPort(listen);
  if (!host_port.ok()) {
    spdlog::error("--listen: {}", host_port.status().ToString());
    return 2;
  }
  // Safe default: an open queue is only reachable from this machine unless asked for.
  if (credentials_file.empty() && !IsLoopbackHost(host_port->first) && !insecure) {
    spdlog::error(
        "refusing to listen on {} without --credentials-file: anyone who can connect "
        "could read and delete every message. Give --credentials-file, listen on "
        "127.0.0.1, or pass --insecure.",
        listen);
    return 2;
  }
  std::unique_ptr<queue::SigV4Authenticator> authenticator;
  if (credentials_file.empty()) {
    spdlog::warn("no --credentials-file: authentication is OFF, every request acts as account {}",
                 account_id);
  } else {
    authenticator = std::make_unique<queue::SigV4Authenticator>(credentials_file, region);
    std::string warning;
    if (Status s = authenticator->Reload(&warning); !s.ok()) {
      spdlog::error("--credentials-file: {}", s.ToString());
      return 2;
    }
    if (!warning.empty()) spdlog::warn("{}", warning);
    spdlog::info("authentication on: {} access keys in {}", authenticator->key_count(),
                 credentials_file);
  }
  const queue::PolicyAuthorizer authorizer(account_id);
  queue::QueueEngineOptions engine_options;
  engine_options.data_dir = data_dir;
  if (body_memory_mb < 0) {
    spdlog::error("--body-memory-mb must be 0 or more");
    return 2;
  }
  engine_options.body_memory_bytes = uint64_t(body_memory_mb) << 20;
  if (!encryption_keys_file.empty()) {
    std::string warning;
    auto keys = queue::WalKeyring::Load(encryption_keys_file, &warning);
    if (!keys.ok()) {
      spdlog::error("--encryption-keys-file: {}", keys.status().ToString());
      return 2;
    }
    if (!warning.empty()) spdlog::warn("{}", warning);
    spdlog::info("encryption at rest: {} keys, current key id {}", keys->size(),
                 keys->current_key_id());
    engine_options.encryption_keys = std::move(*keys);
  }
  auto engine = queue::QueueEngine::Open(std::move(engine_options));
  if (!engine.ok()) {
    spdlog::error("cannot open {}: {}", data_dir, engine.status().ToString());
    return 1;
  }
  queue::SqsApi api(engine->get(), {"", region, account_id, authenticator.get(), &authorizer});
  net::HttpServerOptions options;
  options.listen = listen;
  options.threads = threads;
  options.body_limit = 2 << 20;  // a 1 MiB batch plus JSON overhead
  options.server_name = "roadsense-queue";
  options.tls_certificate_file = tls_cert;
  options.tls_private_key_file = tls_key;
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
  api.SetBaseUrl((tls_cert.empty() ? "http://" : "https://") + host + ":" +
                 std::to_string(server.port()));
  spdlog::info("roadsense-queue serving on {}:{}, data in {}", host, server.port(), data_dir);

  // SIGHUP: re-read the credentials file; requests keep flowing, each sees the old or new keys.
  const int sig = WaitForTerminationSignal([&authenticator, &credentials_file] {
    if (!authenticator) return spdlog::info("SIGHUP: no --credentials-file, nothing to reload");
    std::string warning;
    if (Status s = authenticator->Reload(&warning); !s.ok()) {
      return spdlog::error("SIGHUP: keeping the previous access keys: {}", s.ToString());
    }
    if (!warning.empty()) spdlog::warn("{}", warning);
    spdlog::info("SIGHUP: reloaded {} access keys from {}", authenticator->key_count(),
                 credentials_file);
  });
  spdlog::info("signal {}: shutting down", sig);
  server.Stop();
  (*engine)->Close();
  return 0;
}
