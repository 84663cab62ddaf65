#include "tiles/tiles_metrics.h"

#include "core/prometheus_text.h"

namespace roadsense::tiles {

TilesMetrics::TilesMetrics()
    : query_latency_us_({500, 1000, 2000, 5000, 10000, 20000, 50000, 100000, 250000, 1000000}) {}

void TilesMetrics::RecordResponse(std::string_view route, int status) {
  std::lock_guard lock(mu_);
  ++responses_[{std::string(route), status}];
}

void TilesMetrics::RecordQuery(std::chrono::microseconds latency) {
  query_latency_us_.Record(static_cast<uint64_t>(std::max<int64_t>(latency.count(), 0)));
}

void TilesMetrics::RecordNotification(bool understood) {
  (understood ? notifications_ : notifications_ignored_).fetch_add(1, std::memory_order_relaxed);
}

std::string TilesMetrics::Render(const Gauges& g) const {
  std::string out;
  AppendPrometheusHeader(&out, "roadsense_tiles_responses_total",
                         "HTTP answers by route and status.", "counter");
  {
    std::lock_guard lock(mu_);
    for (const auto& [key, n] : responses_) {
      AppendPrometheusSample(&out, "roadsense_tiles_responses_total", n,
                             {{"route", key.first}, {"status", std::to_string(key.second)}});
    }
  }
  query_latency_us_.AppendTo(&out, "roadsense_tiles_query_seconds",
                             "Database time of one vector tile or GeoJSON answer.", 1e-6);
  auto counter = [&out](std::string_view name, std::string_view help, uint64_t value) {
    AppendPrometheusMetric(&out, name, help, "counter", value);
  };
  auto gauge = [&out](std::string_view name, std::string_view help, uint64_t value) {
    AppendPrometheusMetric(&out, name, help, "gauge", value);
  };
  counter("roadsense_tiles_notifications_total", "tiles_changed notifications applied.",
          notifications_.load());
  counter("roadsense_tiles_notifications_ignored_total",
          "tiles_changed notifications of an unknown version or malformed.",
          notifications_ignored_.load());
  counter("roadsense_tiles_resyncs_total",
          "(Re)connections of the LISTEN connection (the cache was cleared).", resyncs_.load());
  counter("roadsense_tiles_cache_hits_total", "Vector tiles answered from the cache.",
          g.cache.hits);
  counter("roadsense_tiles_cache_misses_total", "Vector tiles not in the cache.", g.cache.misses);
  counter("roadsense_tiles_cache_invalidations_total",
          "Cached tiles dropped because the database changed below them.", g.cache.invalidations);
  counter("roadsense_tiles_cache_evictions_total", "Cached tiles dropped for space.",
          g.cache.evictions);
  counter("roadsense_tiles_cache_stale_fills_total",
          "Tiles not cached because they changed while being read.", g.cache.stale_fills);
  gauge("roadsense_tiles_cache_entries", "Tiles in the cache.", g.cache.entries);
  gauge("roadsense_tiles_cache_bytes", "Bytes held by the cache.", g.cache.bytes);
  gauge("roadsense_tiles_event_clients", "Clients waiting on GET /v1/events.", g.event_clients);
  gauge("roadsense_tiles_db_queue", "Database jobs waiting for a connection.", g.db_queue);
  gauge("roadsense_tiles_ready", "1 when /readyz answers 200.", g.ready ? 1 : 0);
  return out;
}

}  // namespace roadsense::tiles
