// TilesMetrics: roadsense-tiles' counters for GET /metrics (Prometheus text format; metric names
// in tiles/README.md): answers by route and status, database query latency, notifications,
// cache, event-stream clients.
// Threading: thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

#include "core/prometheus_histogram.h"
#include "tiles/tile_cache.h"

namespace roadsense::tiles {

class TilesMetrics {
 public:
  TilesMetrics();

  void RecordResponse(std::string_view route, int status);
  // One database query (a vector tile or a GeoJSON answer).
  void RecordQuery(std::chrono::microseconds latency);
  void RecordNotification(bool understood);
  void RecordResync() { resyncs_.fetch_add(1, std::memory_order_relaxed); }

  struct Gauges {
    TileCache::Stats cache;
    size_t event_clients = 0;
    size_t db_queue = 0;
    bool ready = false;
  };
  std::string Render(const Gauges& gauges) const;

 private:
  mutable std::mutex mu_;
  std::map<std::pair<std::string, int>, uint64_t> responses_;  // guarded by mu_
  PrometheusHistogram query_latency_us_;
  std::atomic<uint64_t> notifications_{0};
  std::atomic<uint64_t> notifications_ignored_{0};
  std::atomic<uint64_t> resyncs_{0};
};

}  // namespace roadsense::tiles
