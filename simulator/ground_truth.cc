#include "simulator/ground_truth.h"

#include <algorithm>

#include "db/hazard_cluster.h"
#include "db/hyper_log_log.h"
#include "db/speed_limit_votes.h"
#include "simulator/hazard_perception.h"

namespace roadsense::simulator {

CellCounts& CellCounts::operator+=(const CellCounts& o) {
  reports += o.reports;
  probe_reports += o.probe_reports;
  hazard_reports += o.hazard_reports;
  sign_reports += o.sign_reports;
  weather_reports += o.weather_reports;
  speed_n += o.speed_n;
  speed_sum_cms += o.speed_sum_cms;
  return *this;
}

CellCounts& CellCounts::operator-=(const CellCounts& o) {
  reports -= o.reports;
  probe_reports -= o.probe_reports;
  hazard_reports -= o.hazard_reports;
  sign_reports -= o.sign_reports;
  weather_reports -= o.weather_reports;
  speed_n -= o.speed_n;
  speed_sum_cms -= o.speed_sum_cms;
  return *this;
}

namespace {

constexpr int64_t kDefaultHazardTtlS = 600;  // schema: ttl_s 0 means 600

std::optional<int64_t> Max(std::optional<int64_t> a, int64_t b) { return a ? std::max(*a, b) : b; }

}  // namespace

int64_t SketchedVehicles(const std::set<uint64_t>& vehicles) {
  db::HyperLogLog sketch;
  for (uint64_t v : vehicles) sketch.Add(v);
  return sketch.Estimate();
}

bool HazardClusterTruth::LiveAt(int64_t now_ms) const {
  return last_seen_ms && expires_ms && *expires_ms > now_ms &&
         (!last_cancelled_ms || *last_cancelled_ms < *last_seen_ms);
}

bool HazardClusterTruth::VisibleAt(int64_t now_ms, int64_t k) const {
  // The exact count first: it bounds the sketch's from above and is cheap.
  return LiveAt(now_ms) && static_cast<int64_t>(vehicles.size()) >= k &&
         SketchedVehicles(vehicles) >= k;
}

void GroundTruth::Add(const roadsense::v1::ReportBatch& batch) {
  // The worker's hash (worker/tile_aggregator.cc), so SketchedVehicles sees what the map sees.
  const uint64_t vehicle = db::HyperLogLog::Hash64(batch.envelope().vehicle_pseudonym());
  for (const auto& r : batch.reports()) {
    const auto& pos = r.position();
    CellCounts& c = cells_[CellKey{geo::TileForPoint(pos.lat_e7(), pos.lon_e7()),
                                   geo::BucketStartMs(r.observed_time_ms(), bucket_seconds_)}];
    ++c.reports;
    switch (r.payload_case()) {
      case roadsense::v1::Report::kProbe:
        ++c.probe_reports;
        break;
      case roadsense::v1::Report::kHazard:
        ++c.hazard_reports;
        AddHazard(r, vehicle);
        break;
      case roadsense::v1::Report::kSign:
        ++c.sign_reports;
        AddSign(r, vehicle);
        break;
      case roadsense::v1::Report::kWeather:
        ++c.weather_reports;
        break;
      case roadsense::v1::Report::PAYLOAD_NOT_SET:
        break;
    }
    // Every simulated report carries a position with a speed (schema: speed 0 is a valid value).
    if (r.has_position()) {
      ++c.speed_n;
      c.speed_sum_cms += pos.speed_cms();
    }
  }
}

void GroundTruth::AddHazard(const roadsense::v1::Report& r, uint64_t vehicle) {
  const auto& pos = r.position();
  const auto& h = r.hazard();
  HazardClusterTruth& c = hazard_clusters_[HazardClusterKey{
      geo::TileForPoint(pos.lat_e7(), pos.lon_e7(), db::kHazardZoom), h.type()}];
  c.vehicles.insert(vehicle);
  ++c.reports;
  const int64_t t = r.observed_time_ms();
  if (h.cancellation()) {
    c.last_cancelled_ms = Max(c.last_cancelled_ms, t);
    return;
  }
  c.last_seen_ms = Max(c.last_seen_ms, t);
  const int64_t ttl_s = h.ttl_s() == 0 ? kDefaultHazardTtlS : h.ttl_s();
  c.expires_ms = Max(c.expires_ms, t + ttl_s * 1000);
  if (auto site = HazardPerception::SiteOfEventId(h.event_id())) {
    c.sites.insert(*site);
  } else {
    ++c.phantom_reports;
  }
}

void GroundTruth::AddSign(const roadsense::v1::Report& r, uint64_t vehicle) {
  const auto& sign = r.sign();
  if (sign.type() != roadsense::v1::SIGN_TYPE_SPEED_LIMIT || sign.value() == 0 ||
      sign.value() > 300) {
    return;  // the map's vote range
  }
  const auto& pos = r.position();
  const SpeedLimitCellKey key{geo::TileForPoint(pos.lat_e7(), pos.lon_e7()),
                              db::SpeedLimitKey::HeadingSector(pos.heading_cdeg())};
  SpeedLimitVoteTruth& v = speed_limit_votes_[key][static_cast<int32_t>(sign.value())];
  v.vehicles.insert(vehicle);
  ++v.votes;
  v.last_seen_ms = std::max(v.last_seen_ms, r.observed_time_ms());
}

CellCounts GroundTruth::Totals() const {
  CellCounts t;
  for (const auto& [key, counts] : cells_) t += counts;
  return t;
}

}  // namespace roadsense::simulator
