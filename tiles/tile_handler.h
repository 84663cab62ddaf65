// TileHandler: roadsense-tiles' HTTP API as a function from request to response (plug it into
// net::HttpServer). Routes (README.md "roadsense-tiles"):
//
//   GET /tiles/{z}/{x}/{y}.mvt[?bucket=S | ?from=S&to=S]   Mapbox Vector Tile (roadsense_mvt),
//        z 0..16; ETag (content digest) + If-None-Match → 304; Cache-Control; gzip when accepted;
//        cached in TileCache until tiles_changed names a tile below it or `cache_ttl` passes;
//        concurrent misses of one tile share one query (single flight)
//   GET /v1/hazards?bbox=W,S,E,N                            active hazards, GeoJSON
//   GET /v1/tiles?bbox=W,S,E,N&layer=traffic|weather|signs|hazards[&z=Z][&bucket=S|&from&to]
//        GeoJSON (traffic/weather: roll-up cells of zoom Z, default 16)
//   GET /v1/buckets[?hours=H]                               published buckets of the last H hours
//   GET /v1/events                                          Server-Sent Events (tiles/events.md)
//   GET /healthz, /readyz, /metrics
//   GET / and other paths                                   the web map (StaticFiles)
// Every answer carries CORS headers (Access-Control-Allow-Origin: *); OPTIONS answers preflights.
// Database work runs on the DbPool; HTTP threads never block on PostgreSQL.
//
// Threading: Handle() is thread-safe. Everything passed in must outlive the handler, and the
// HttpServer must be stopped before the handler is destroyed.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

#include "net/http_message.h"
#include "net/http_server.h"
#include "tiles/db_pool.h"
#include "tiles/event_hub.h"
#include "tiles/static_files.h"
#include "tiles/tile_cache.h"
#include "tiles/tiles_metrics.h"

namespace roadsense::tiles {

struct TileHandlerOptions {
  int max_zoom = 16;                  // tiles above are 404 (clients overzoom)
  int cache_max_age_s = 5;            // Cache-Control max-age of tiles and GeoJSON
  int64_t max_geojson_cells = 20000;  // /v1/tiles: larger bbox × zoom is 400
  std::function<bool()> ready;        // /readyz; null: always ready
};

class TileHandler {
 public:
  TileHandler(TileHandlerOptions options, DbPool* pool, TileCache* cache, EventHub* events,
              const StaticFiles* files, TilesMetrics* metrics);

  void Handle(net::HttpRequest&& request, net::Responder respond);

  // Prepares the statements Handle() uses; pass as DbPool's on_connect.
  static void PrepareStatements(pqxx::connection& connection);

 private:
  void HandleTile(const net::HttpRequest& request, net::Responder respond);
  void HandleGeoJson(const net::HttpRequest& request, std::string_view route,
                     net::Responder respond);
  void HandleBuckets(const net::HttpRequest& request, net::Responder respond);
  void HandleEvents(const net::HttpRequest& request, net::Responder respond);
  void FollowEvents(std::shared_ptr<net::ResponseStream> stream, uint64_t last_id);
  // Runs `job` on the pool; answers 503 when the pool is full or the database is unreachable.
  void RunOnPool(std::string route, net::Responder respond,
                 std::function<net::HttpResponse(pqxx::connection&)> job);

  using FlightKey = std::tuple<int, int, int, std::string>;  // z, x, y, window
  struct FlightWaiter {
    std::function<net::HttpResponse(const CachedTile&)> answer;  // per request: gzip, ETag
    net::Responder respond;
  };

  const TileHandlerOptions options_;
  DbPool* const pool_;
  TileCache* const cache_;
  EventHub* const events_;
  const StaticFiles* const files_;
  TilesMetrics* const metrics_;
  std::mutex flights_mu_;
  std::map<FlightKey, std::vector<FlightWaiter>> flights_;  // tile queries running; guarded
};

}  // namespace roadsense::tiles
