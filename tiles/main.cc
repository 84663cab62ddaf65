// roadsense-tiles: serves the map to consumers — Mapbox Vector Tiles, GeoJSON, a live event
// stream and the web map — read-only from PostgreSQL. See tiles/README.md.
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <pqxx/nontransaction>
#include <string>

#include "core/flag_set.h"
#include "core/logging.h"
#include "core/termination_signal.h"
#include "net/http_server.h"
#include "tiles/change_listener.h"
#include "tiles/db_pool.h"
#include "tiles/event_hub.h"
#include "tiles/static_files.h"
#include "tiles/tile_cache.h"
#include "tiles/tile_change.h"
#include "tiles/tile_handler.h"
#include "tiles/tiles_metrics.h"

namespace roadsense::tiles {
namespace {

struct Flags {
  std::string listen = "127.0.0.1:8090";
  std::string db;
  int threads = 2;
  int db_connections = 4;
  int64_t db_queue = 512;
  int64_t statement_timeout_ms = 10000;
  std::string web_root;
  int64_t cache_mb = 64;
  int64_t cache_ttl_ms = 30000;
  int max_age_s = 5;
  int64_t events_wait_ms = 15000;
  int64_t events_ring = 4096;
  std::string log_level = "info";
};

Flags ParseFlags(int argc, char** argv) {
  Flags f;
  FlagSet flags("roadsense-tiles",
                "Serves roadsense map data read-only from PostgreSQL: vector tiles "
                "(/tiles/{z}/{x}/{y}.mvt), GeoJSON (/v1/hazards, /v1/tiles), live changes as "
                "Server-Sent Events (/v1/events) and the web map (--web-root).");
  flags.AddString("listen", &f.listen, "HTTP listen address host:port (port 0 = any free port)");
  flags.AddString("db", &f.db,
                  "libpq connection string, ideally of the read-only role roadsense_tiles "
                  "(required)");
  flags.AddInt("threads", &f.threads, "HTTP I/O threads");
  flags.AddInt("db-connections", &f.db_connections,
               "database connections (and threads running queries)");
  flags.AddInt("db-queue", &f.db_queue,
               "requests that may wait for a database connection before new ones get 503");
  flags.AddInt("statement-timeout-ms", &f.statement_timeout_ms,
               "PostgreSQL statement_timeout of every query");
  flags.AddString("web-root", &f.web_root,
                  "directory of the web map (the repository's web/, after npm ci); empty: no "
                  "web map");
  flags.AddInt("cache-mb", &f.cache_mb, "vector tile cache size, MiB (0 = no cache)");
  flags.AddInt("cache-ttl-ms", &f.cache_ttl_ms,
               "longest time a cached tile is served (hazard confidence and the live window "
               "change with the clock)");
  flags.AddInt("max-age-s", &f.max_age_s, "Cache-Control max-age of tiles and GeoJSON");
  flags.AddInt("events-wait-ms", &f.events_wait_ms,
               "GET /v1/events heartbeat: a keep-alive comment after this long without a change");
  flags.AddInt("events-ring", &f.events_ring,
               "change events kept for clients that reconnect with Last-Event-ID");
  flags.AddString("log-level", &f.log_level, "trace, debug, info, warn or error");
  flags.ParseOrExit(argc, argv);
  return f;
}

void CheckFlags(const Flags& f) {
  std::string error;
  if (f.db.empty()) error = "--db is required";
  if (f.threads < 1) error = "--threads must be >= 1";
  if (f.db_connections < 1) error = "--db-connections must be >= 1";
  if (f.db_queue < 1) error = "--db-queue must be >= 1";
  if (f.statement_timeout_ms < 1) error = "--statement-timeout-ms must be >= 1";
  if (f.cache_mb < 0) error = "--cache-mb must be >= 0";
  if (f.cache_ttl_ms < 0) error = "--cache-ttl-ms must be >= 0";
  if (f.max_age_s < 0) error = "--max-age-s must be >= 0";
  if (f.events_wait_ms < 10) error = "--events-wait-ms must be >= 10";
  if (f.events_ring < 1) error = "--events-ring must be >= 1";
  if (!error.empty()) {
    spdlog::error("{}", error);
    std::exit(2);
  }
}

int Run(const Flags& f) {
  constexpr int kMaxZoom = 16;
  TilesMetrics metrics;
  TileCache cache(static_cast<size_t>(f.cache_mb) << 20, std::chrono::milliseconds(f.cache_ttl_ms));
  EventHub events(static_cast<size_t>(f.events_ring), std::chrono::milliseconds(f.events_wait_ms));
  StaticFiles files(f.web_root);
  if (files.enabled()) spdlog::info("serving the web map from {}", f.web_root);

  ChangeListener listener(
      f.db,
      [&](const std::string& payload) {
        Result<TileChange> change = ParseTileChange(payload);
        metrics.RecordNotification(change.ok());
        if (!change.ok()) {
          if (change.status().code() != StatusCode::kNotFound) {
            spdlog::warn("tiles_changed: {}", change.status().ToString());
          }
          return;
        }
        cache.Invalidate(AffectedTiles(*change, kMaxZoom));
        events.Publish(change->layer, TileChangeJson(*change));
      },
      [&] {
        metrics.RecordResync();
        cache.Clear();
        events.Publish("resync", "{}");
      });

  const int64_t statement_timeout_ms = f.statement_timeout_ms;
  DbPool pool(f.db, f.db_connections, static_cast<size_t>(f.db_queue),
              [statement_timeout_ms](pqxx::connection& c) {
                pqxx::nontransaction(c).exec("SET statement_timeout = " +
                                             std::to_string(statement_timeout_ms));
                TileHandler::PrepareStatements(c);
              });

  TileHandlerOptions options;
  options.max_zoom = kMaxZoom;
  options.cache_max_age_s = f.max_age_s;
  options.ready = [&listener, &pool] {
    // A pool that failed to connect (e.g. started before the migrations) retries on its next
    // job: give it one, so that readiness recovers without tile traffic.
    if (!pool.connected()) (void)pool.Submit([](pqxx::connection*) {});
    return listener.listening() && pool.connected();
  };
  TileHandler handler(options, &pool, &cache, &events, &files, &metrics);
  // The pool connects on its first job: warm one connection so /readyz turns ready promptly.
  (void)pool.Submit([](pqxx::connection*) {});

  net::HttpServerOptions server_options;
  server_options.listen = f.listen;
  server_options.threads = f.threads;
  server_options.body_limit = 64 * 1024;
  server_options.server_name = "roadsense-tiles";
  net::HttpServer server(server_options, [&handler](net::HttpRequest&& req, net::Responder res) {
    handler.Handle(std::move(req), std::move(res));
  });
  if (Status s = server.Start(); !s.ok()) {
    spdlog::error("listen {}: {}", f.listen, s.ToString());
    return 1;
  }
  spdlog::info("listening on port {} (map: http://{}:{}/)", server.port(),
               f.listen.substr(0, f.listen.rfind(':')), server.port());

  const int sig = WaitForTerminationSignal();
  spdlog::info("signal {}: stopping", sig);
  server.StopAccepting();
  events.Stop();  // ends the event streams (their last chunk), so clients reconnect elsewhere
  server.Stop();
  return 0;
}

}  // namespace
}  // namespace roadsense::tiles

int main(int argc, char** argv) {
  roadsense::BlockTerminationSignals();
  auto flags = roadsense::tiles::ParseFlags(argc, argv);
  roadsense::InitLogging("roadsense-tiles", flags.log_level);
  roadsense::tiles::CheckFlags(flags);
  return roadsense::tiles::Run(flags);
}
