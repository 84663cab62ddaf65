#include "tiles/tile_handler.h"

#include <spdlog/spdlog.h>

#include <boost/url/parse.hpp>
#include <boost/url/parse_query.hpp>
#include <charconv>
#include <cmath>
#include <map>
#include <optional>
#include <pqxx/binarystring>
#include <pqxx/nontransaction>
#include <vector>

#include "core/digest.h"
#include "core/gzip_codec.h"
#include "geo/tile_key.h"

namespace roadsense::tiles {
namespace {

using net::HttpRequest;
using net::HttpResponse;

// The live window (no bucket parameters) is passed to SQL as -1: "the last hour until now".
constexpr double kLive = -1;

// SSE `retry:` sent at the start of each event stream: how long EventSource waits before it
// reconnects after the stream broke.
constexpr int kEventsRetryMs = 1000;

void AddCors(HttpResponse* res) {
  res->SetHeader("Access-Control-Allow-Origin", "*");
  res->SetHeader("Access-Control-Expose-Headers", "ETag");
}

HttpResponse JsonError(int status, std::string_view error, std::string_view message) {
  std::string body = "{\"error\":\"" + std::string(error) + "\",\"message\":\"";
  for (char c : message) {
    if (c == '"' || c == '\\') body += '\\';
    if (static_cast<unsigned char>(c) >= 0x20) body += c;
  }
  body += "\"}";
  return HttpResponse::Json(status, std::move(body));
}

std::map<std::string, std::string> QueryParams(std::string_view query) {
  std::map<std::string, std::string> out;
  if (query.empty()) return out;
  auto params = boost::urls::parse_query(boost::core::string_view(query.data(), query.size()));
  if (!params) return out;
  for (const auto& p : *params) out.emplace(p.key, p.value);
  return out;
}

template <typename T>
bool ParseNumber(std::string_view s, T* out) {
  if (s.empty()) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size();
}

bool ParseDouble(const std::string& s, double* out) {
  if (s.empty()) return false;
  char* end = nullptr;
  *out = std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size() && std::isfinite(*out);
}

// The time window of a request: ?bucket=S (one bucket), ?from=S&to=S (bucket starts in [from,
// to]), or none (live: the last hour). `variant` names it in the cache.
struct Window {
  double from = kLive;
  double to = kLive;
  std::string variant;
};

Result<Window> ParseWindow(const std::map<std::string, std::string>& params) {
  Window w;
  int64_t from = 0, to = 0;
  if (auto it = params.find("bucket"); it != params.end()) {
    if (!ParseNumber(std::string_view(it->second), &from) || from < 0) {
      return InvalidArgument("bucket must be Unix seconds");
    }
    to = from;
  } else if (params.count("from") || params.count("to")) {
    auto f = params.find("from"), t = params.find("to");
    if (f == params.end() || t == params.end() ||
        !ParseNumber(std::string_view(f->second), &from) ||
        !ParseNumber(std::string_view(t->second), &to) || from < 0 || to < from) {
      return InvalidArgument("from and to must both be Unix seconds, from <= to");
    }
  } else {
    return w;
  }
  w.from = static_cast<double>(from);
  w.to = static_cast<double>(to);
  w.variant = std::to_string(from) + "-" + std::to_string(to);
  return w;
}

struct BBox {
  double west, south, east, north;
};

Result<BBox> ParseBBox(const std::map<std::string, std::string>& params) {
  auto it = params.find("bbox");
  if (it == params.end()) return InvalidArgument("bbox=west,south,east,north is required");
  std::vector<double> v;
  size_t start = 0;
  const std::string& s = it->second;
  while (start <= s.size() && v.size() < 5) {
    size_t comma = s.find(',', start);
    if (comma == std::string::npos) comma = s.size();
    double d = 0;
    if (!ParseDouble(s.substr(start, comma - start), &d)) break;
    v.push_back(d);
    start = comma + 1;
  }
  if (v.size() != 4) return InvalidArgument("bbox must be four numbers: west,south,east,north");
  BBox b{v[0], v[1], v[2], v[3]};
  if (b.west < -180 || b.east > 180 || b.west >= b.east || b.south < -geo::kMaxLatitude ||
      b.north > geo::kMaxLatitude || b.south >= b.north) {
    return InvalidArgument(
        "bbox must have -180 <= west < east <= 180 and -85.05 <= south < north <= 85.05");
  }
  return b;
}

bool AcceptsGzip(const HttpRequest& request) {
  return request.Header("Accept-Encoding").find("gzip") != std::string_view::npos;
}

// If-None-Match: a list of entity tags (or "*"); weak tags compare by their opaque part.
bool EtagMatches(std::string_view if_none_match, std::string_view etag) {
  if (if_none_match.empty()) return false;
  if (if_none_match == "*") return true;
  size_t start = 0;
  while (start < if_none_match.size()) {
    size_t comma = if_none_match.find(',', start);
    if (comma == std::string_view::npos) comma = if_none_match.size();
    std::string_view tag = if_none_match.substr(start, comma - start);
    while (!tag.empty() && tag.front() == ' ') tag.remove_prefix(1);
    while (!tag.empty() && tag.back() == ' ') tag.remove_suffix(1);
    if (tag.substr(0, 2) == "W/") tag.remove_prefix(2);
    if (tag == etag) return true;
    start = comma + 1;
  }
  return false;
}

}  // namespace

TileHandler::TileHandler(TileHandlerOptions options, DbPool* pool, TileCache* cache,
                         EventHub* events, const StaticFiles* files, TilesMetrics* metrics)
    : options_(std::move(options)),
      pool_(pool),
      cache_(cache),
      events_(events),
      files_(files),
      metrics_(metrics) {}

void TileHandler::PrepareStatements(pqxx::connection& c) {
  // Read-only whatever the role allows: this server never writes.
  pqxx::nontransaction(c).exec("SET default_transaction_read_only = on");
  // Window bounds arrive as Unix seconds, or -1 for the live window (the last hour).
  c.prepare("mvt",
            "SELECT roadsense_mvt($1, $2, $3, "
            "CASE WHEN $4::float8 < 0 THEN NULL ELSE to_timestamp($4::float8) END, "
            "CASE WHEN $5::float8 < 0 THEN NULL ELSE to_timestamp($5::float8) END)");
  c.prepare("hazards",
            "SELECT json_build_object('type', 'FeatureCollection', 'features', "
            "coalesce(json_agg(json_build_object('type', 'Feature', "
            "'geometry', ST_AsGeoJSON(h.geom, 7)::json, 'properties', json_build_object("
            "'hazard', h.hazard, 'hazard_type', h.hazard_type, 'confidence', h.confidence, "
            "'vehicles', h.distinct_vehicles, 'reports', h.reports, 'quadkey', h.quadkey, "
            "'z', h.z, 'x', h.x, 'y', h.y, "
            "'first_seen', extract(epoch FROM h.first_seen)::bigint, "
            "'last_seen', extract(epoch FROM h.last_seen)::bigint, "
            "'expires_at', extract(epoch FROM h.expires_at)::bigint, "
            "'age_s', extract(epoch FROM now() - h.last_seen)::bigint)) "
            "ORDER BY h.confidence DESC, h.quadkey), '[]'::json))::text "
            "FROM active_hazards_geo h WHERE h.geom && ST_MakeEnvelope($1, $2, $3, $4, 4326)");
  c.prepare(
      "cells",
      "SELECT json_build_object('type', 'FeatureCollection', 'features', "
      "coalesce(json_agg(json_build_object('type', 'Feature', "
      "'geometry', ST_AsGeoJSON(c.geom, 7)::json, "
      "'properties', to_jsonb(c) - 'geom' - 'geom_3857') ORDER BY c.x, c.y), "
      "'[]'::json))::text "
      "FROM map_tiles_rollup($1, "
      "CASE WHEN $2::float8 < 0 THEN now() - interval '1 hour' ELSE to_timestamp($2::float8) END, "
      "CASE WHEN $3::float8 < 0 THEN now() ELSE to_timestamp($3::float8) END, $4, $5, $6) c "
      "WHERE c.geom && ST_MakeEnvelope($7, $8, $9, $10, 4326) "
      "AND (NOT $11::boolean OR c.weather_reports > 0)");
  c.prepare("signs",
            "SELECT json_build_object('type', 'FeatureCollection', 'features', "
            "coalesce(json_agg(json_build_object('type', 'Feature', "
            "'geometry', ST_AsGeoJSON(s.geom, 7)::json, "
            "'properties', to_jsonb(s) - 'geom' - 'geom_3857') ORDER BY s.x, s.y, "
            "s.heading_sector), '[]'::json))::text "
            "FROM speed_limits_geo s WHERE s.geom && ST_MakeEnvelope($1, $2, $3, $4, 4326)");
  c.prepare("buckets",
            "SELECT coalesce(json_agg(json_build_object('bucket', b, 'reports', r, 'tiles', n) "
            "ORDER BY b), '[]'::json)::text FROM ("
            "SELECT extract(epoch FROM bucket_start)::bigint AS b, sum(reports) AS r, "
            "count(*) AS n FROM map_tiles WHERE bucket_start >= now() - make_interval(hours => $1) "
            "GROUP BY 1) s");
}

void TileHandler::Handle(HttpRequest&& request, net::Responder respond) {
  const std::string path(request.Path());
  auto finish = [this, respond](std::string route) {
    return [this, respond, route = std::move(route)](HttpResponse res) {
      AddCors(&res);
      metrics_->RecordResponse(route, res.status);
      respond(std::move(res));
    };
  };
  if (request.method == "OPTIONS") {
    HttpResponse res;
    res.status = 204;
    res.SetHeader("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS");
    res.SetHeader("Access-Control-Allow-Headers", "If-None-Match, Last-Event-ID");
    res.SetHeader("Access-Control-Max-Age", "86400");
    finish("options")(std::move(res));
    return;
  }
  if (request.method != "GET" && request.method != "HEAD") {
    finish("other")(JsonError(405, "method_not_allowed", "only GET"));
    return;
  }
  if (path.rfind("/tiles/", 0) == 0) return HandleTile(request, finish("tiles"));
  if (path == "/v1/hazards") return HandleGeoJson(request, "hazards", finish("hazards"));
  if (path == "/v1/tiles") return HandleGeoJson(request, "", finish("geojson"));
  if (path == "/v1/buckets") return HandleBuckets(request, finish("buckets"));
  // The event stream answers through the server's own Responder (a wrapper would lose
  // streaming); HandleEvents adds CORS and counts the answer itself.
  if (path == "/v1/events") return HandleEvents(request, std::move(respond));
  if (path == "/healthz") return finish("healthz")(HttpResponse::Json(200, R"({"status":"ok"})"));
  if (path == "/readyz") {
    const bool ready = !options_.ready || options_.ready();
    return finish("readyz")(ready ? HttpResponse::Json(200, R"({"status":"ready"})")
                                  : HttpResponse::Json(503, R"({"status":"not ready"})"));
  }
  if (path == "/metrics") {
    TilesMetrics::Gauges g;
    g.cache = cache_->stats();
    g.event_clients = events_->waiters();
    g.db_queue = pool_->queued();
    g.ready = !options_.ready || options_.ready();
    HttpResponse res = HttpResponse::Text(200, metrics_->Render(g));
    res.SetHeader("Content-Type", "text/plain; version=0.0.4");
    return finish("metrics")(std::move(res));
  }
  if (auto file = files_->Serve(path)) return finish("static")(std::move(*file));
  finish("other")(JsonError(404, "not_found", "no such path"));
}

void TileHandler::RunOnPool(std::string route, net::Responder respond,
                            std::function<HttpResponse(pqxx::connection&)> job) {
  auto shared_respond = std::make_shared<net::Responder>(std::move(respond));
  const bool queued =
      pool_->Submit([this, route, shared_respond, job = std::move(job)](pqxx::connection* c) {
        if (c == nullptr) {
          HttpResponse res = JsonError(503, "unavailable", "the database is unreachable");
          res.SetHeader("Retry-After", "1");
          (*shared_respond)(std::move(res));
          return;
        }
        const auto start = std::chrono::steady_clock::now();
        HttpResponse res;
        try {
          res = job(*c);
        } catch (const pqxx::broken_connection& e) {
          res = JsonError(503, "unavailable", "the database connection broke");
          res.SetHeader("Retry-After", "1");
        } catch (const pqxx::data_exception& e) {
          res = JsonError(400, "invalid_request", e.what());
        } catch (const std::exception& e) {
          spdlog::error("{}: {}", route, e.what());
          res = JsonError(500, "internal", "database query failed");
        }
        metrics_->RecordQuery(std::chrono::duration_cast<std::chrono::microseconds>(
            std::chrono::steady_clock::now() - start));
        (*shared_respond)(std::move(res));
      });
  if (!queued) {
    HttpResponse res = JsonError(503, "overloaded", "too many requests waiting for the database");
    res.SetHeader("Retry-After", "1");
    (*shared_respond)(std::move(res));
  }
}

void TileHandler::HandleTile(const HttpRequest& request, net::Responder respond) {
  // /tiles/{z}/{x}/{y}.mvt
  std::string_view rest = request.Path().substr(7);
  geo::TileKey tile;
  const size_t s1 = rest.find('/');
  const size_t s2 = s1 == std::string_view::npos ? s1 : rest.find('/', s1 + 1);
  const bool shape_ok = s2 != std::string_view::npos && rest.size() > s2 + 5 &&
                        rest.substr(rest.size() - 4) == ".mvt";
  if (!shape_ok || !ParseNumber(rest.substr(0, s1), &tile.z) ||
      !ParseNumber(rest.substr(s1 + 1, s2 - s1 - 1), &tile.x) ||
      !ParseNumber(rest.substr(s2 + 1, rest.size() - s2 - 5), &tile.y) || tile.z < 0 ||
      tile.z > options_.max_zoom || tile.x < 0 || tile.y < 0 || tile.x >= (1 << tile.z) ||
      tile.y >= (1 << tile.z)) {
    respond(JsonError(
        404, "not_found",
        "tiles are /tiles/{z}/{x}/{y}.mvt with z 0.." + std::to_string(options_.max_zoom)));
    return;
  }
  Result<Window> window = ParseWindow(QueryParams(request.Query()));
  if (!window.ok()) {
    respond(JsonError(400, "invalid_request", window.status().message()));
    return;
  }
  const bool gzip = AcceptsGzip(request);
  const std::string if_none_match(request.Header("If-None-Match"));
  const bool head = request.method == "HEAD";
  const int max_age = options_.cache_max_age_s;
  auto answer = [gzip, if_none_match, head, max_age](const CachedTile& t) {
    HttpResponse res;
    res.SetHeader("ETag", t.etag);
    res.SetHeader("Cache-Control", "public, max-age=" + std::to_string(max_age));
    res.SetHeader("Vary", "Accept-Encoding");
    if (EtagMatches(if_none_match, t.etag)) {
      res.status = 304;
      return res;
    }
    res.status = 200;
    res.SetHeader("Content-Type", "application/vnd.mapbox-vector-tile");
    if (gzip && !t.body.empty()) {
      res.SetHeader("Content-Encoding", "gzip");
      if (!head) res.body = t.gzip_body;
    } else if (!head) {
      res.body = t.body;
    }
    return res;
  };
  if (auto hit = cache_->Find(tile, window->variant)) {
    respond(answer(*hit));
    return;
  }
  // Single flight: one query per (tile, window) at a time; its result answers every request
  // that arrived meanwhile (a hot tile under continuous writes is invalidated on most commits).
  const FlightKey key(tile.z, tile.x, tile.y, window->variant);
  {
    std::lock_guard lock(flights_mu_);
    auto [it, first] = flights_.try_emplace(key);
    it->second.push_back({answer, std::move(respond)});
    if (!first) return;
  }
  const uint64_t generation = cache_->generation();
  auto result = std::make_shared<std::shared_ptr<const CachedTile>>();
  RunOnPool(
      "tiles",
      [this, key, result](HttpResponse res) {
        std::vector<FlightWaiter> waiters;
        {
          std::lock_guard lock(flights_mu_);
          auto it = flights_.find(key);
          waiters = std::move(it->second);
          flights_.erase(it);
        }
        for (FlightWaiter& w : waiters) w.respond(*result ? w.answer(**result) : res);
      },
      [this, tile, w = *window, generation, result](pqxx::connection& c) {
        pqxx::nontransaction txn(c);
        pqxx::result r = txn.exec_prepared("mvt", tile.z, tile.x, tile.y, w.from, w.to);
        auto t = std::make_shared<CachedTile>();
        if (!r.empty() && !r[0][0].is_null()) t->body = pqxx::binarystring(r[0][0]).str();
        t->etag = "\"" + Sha256Hex(t->body).substr(0, 20) + "\"";
        if (!t->body.empty()) t->gzip_body = GzipCompress(t->body);
        cache_->Insert(tile, w.variant, t, generation);
        *result = std::move(t);
        return HttpResponse{};  // the waiters get their own answers from *result
      });
}

void TileHandler::HandleGeoJson(const HttpRequest& request, std::string_view route,
                                net::Responder respond) {
  const auto params = QueryParams(request.Query());
  Result<BBox> bbox = ParseBBox(params);
  if (!bbox.ok()) {
    respond(JsonError(400, "invalid_request", bbox.status().message()));
    return;
  }
  std::string layer(route);
  if (layer.empty()) {
    auto it = params.find("layer");
    layer = it == params.end() ? "" : it->second;
  }
  const BBox b = *bbox;
  const int max_age = options_.cache_max_age_s;
  auto geojson = [max_age](std::string body) {
    HttpResponse res = HttpResponse::Json(200, std::move(body));
    res.SetHeader("Content-Type", "application/geo+json");
    res.SetHeader("Cache-Control", "public, max-age=" + std::to_string(max_age));
    return res;
  };
  if (layer == "hazards" || layer == "signs") {
    const std::string statement = layer;
    RunOnPool(
        std::string(route.empty() ? "geojson" : route), std::move(respond),
        [b, statement, geojson](pqxx::connection& c) {
          pqxx::nontransaction txn(c);
          return geojson(
              txn.exec_prepared1(statement, b.west, b.south, b.east, b.north)[0].as<std::string>());
        });
    return;
  }
  if (layer != "traffic" && layer != "weather") {
    respond(JsonError(400, "invalid_request", "layer must be traffic, weather, signs or hazards"));
    return;
  }
  int zoom = geo::kBaseZoom;
  if (auto it = params.find("z"); it != params.end()) {
    if (!ParseNumber(std::string_view(it->second), &zoom) || zoom < 0 || zoom > geo::kBaseZoom) {
      respond(JsonError(400, "invalid_request", "z must be 0..16"));
      return;
    }
  }
  Result<Window> window = ParseWindow(params);
  if (!window.ok()) {
    respond(JsonError(400, "invalid_request", window.status().message()));
    return;
  }
  // The cells the bbox touches at `zoom`, and the smallest tile holding all of them (the roll-up
  // reads only base rows below it).
  geo::TileKey nw = geo::TileForDegrees(b.north, b.west, zoom);
  geo::TileKey se = geo::TileForDegrees(b.south, b.east, zoom);
  const int64_t cells = (int64_t{se.x} - nw.x + 1) * (int64_t{se.y} - nw.y + 1);
  if (cells > options_.max_geojson_cells) {
    respond(JsonError(400, "invalid_request",
                      "bbox covers " + std::to_string(cells) + " cells of zoom " +
                          std::to_string(zoom) + " (at most " +
                          std::to_string(options_.max_geojson_cells) + "): use a lower z"));
    return;
  }
  int area_z = zoom;
  while (area_z > 0 && geo::ParentTile(nw, area_z) != geo::ParentTile(se, area_z)) --area_z;
  const geo::TileKey area = geo::ParentTile(nw, area_z);
  const bool weather = layer == "weather";
  RunOnPool("geojson", std::move(respond),
            [b, zoom, w = *window, area, weather, geojson](pqxx::connection& c) {
              pqxx::nontransaction txn(c);
              return geojson(txn.exec_prepared1("cells", zoom, w.from, w.to, area.z, area.x, area.y,
                                                b.west, b.south, b.east, b.north, weather)[0]
                                 .as<std::string>());
            });
}

void TileHandler::HandleBuckets(const HttpRequest& request, net::Responder respond) {
  const auto params = QueryParams(request.Query());
  int hours = 24;
  if (auto it = params.find("hours"); it != params.end()) {
    if (!ParseNumber(std::string_view(it->second), &hours) || hours < 1 || hours > 24 * 31) {
      respond(JsonError(400, "invalid_request", "hours must be 1..744"));
      return;
    }
  }
  RunOnPool("buckets", std::move(respond), [hours](pqxx::connection& c) {
    pqxx::nontransaction txn(c);
    HttpResponse res =
        HttpResponse::Json(200, txn.exec_prepared1("buckets", hours)[0].as<std::string>());
    res.SetHeader("Cache-Control", "no-cache");
    return res;
  });
}

void TileHandler::HandleEvents(const HttpRequest& request, net::Responder respond) {
  // Server-Sent Events on one long-lived streamed answer (tiles/events.md). A client that
  // reconnects (EventSource does, after `retry` ms) sends Last-Event-ID and gets what happened
  // meanwhile from the hub's ring.
  HttpResponse head;
  head.status = 200;
  head.SetHeader("Content-Type", "text/event-stream");
  head.SetHeader("Cache-Control", "no-store");
  head.SetHeader("X-Accel-Buffering", "no");  // nginx: pass events on at once
  AddCors(&head);
  metrics_->RecordResponse("events", head.status);
  if (request.method == "HEAD") return respond(std::move(head));
  std::string_view last = request.Header("Last-Event-ID");
  const auto params = QueryParams(request.Query());
  std::string last_param;
  if (last.empty()) {
    if (auto it = params.find("last_id"); it != params.end()) last_param = it->second;
    last = last_param;
  }
  uint64_t last_id = 0;
  std::string first = "retry: " + std::to_string(kEventsRetryMs) + "\n\n";
  if (last.empty() || !ParseNumber(last, &last_id)) {
    last_id = events_->last_id();
    first += "id: " + std::to_string(last_id) +
             "\nevent: hello\ndata: {\"last_id\":" + std::to_string(last_id) + "}\n\n";
  }
  std::shared_ptr<net::ResponseStream> stream = respond.Stream(std::move(head));
  if (!stream->Write(std::move(first))) return;
  FollowEvents(std::move(stream), last_id);
}

void TileHandler::FollowEvents(std::shared_ptr<net::ResponseStream> stream, uint64_t last_id) {
  // One hub wait at a time per stream: each delivery is written, then the next wait begins after
  // the newest id sent. A client that went away is noticed at the next delivery (an event or the
  // keep-alive after at most --events-wait-ms), when Write() fails.
  events_->Wait(last_id, [this, stream, last_id](std::vector<HubEvent> events, bool missed) {
    if (stream->closed()) return;
    uint64_t next_id = events.empty() ? last_id : events.back().id;
    std::string body;
    if (missed) {
      // The events after the client's id are gone (or the id is from before a restart): it must
      // re-read everything; the id moves it to the present.
      body += "event: resync\ndata: {}\n";
      if (events.empty()) {
        next_id = events_->last_id();
        body += "id: " + std::to_string(next_id) + "\n";
      }
      body += "\n";
    }
    for (const HubEvent& e : events) {
      body += "id: " + std::to_string(e.id) + "\nevent: " + e.type + "\ndata: " + e.data + "\n\n";
    }
    if (body.empty()) {
      if (events_->stopped()) return stream->End();  // shutting down: no more events
      body = ": keep-alive\n\n";  // comments keep proxies from closing an idle stream
    }
    if (!stream->Write(std::move(body))) return;
    FollowEvents(stream, next_id);
  });
}

}  // namespace roadsense::tiles
