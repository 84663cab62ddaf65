#include "db/hazard_cluster.h"

#include <algorithm>

namespace roadsense::db {
namespace {

std::optional<int64_t> Max(std::optional<int64_t> a, std::optional<int64_t> b) {
  if (!a) return b;
  if (!b) return a;
  return std::max(*a, *b);
}

}  // namespace

void HazardCluster::Add(uint64_t vehicle, int64_t observed_ms, bool cancellation, int64_t ttl_s,
                        int32_t confidence_pct) {
  first_seen_ms = reports == 0 ? observed_ms : std::min(first_seen_ms, observed_ms);
  ++reports;
  vehicles.Add(vehicle);
  if (cancellation) {
    ++cancellations;
    last_cancelled_ms = Max(last_cancelled_ms, observed_ms);
    return;
  }
  confidence_sum += confidence_pct;
  last_seen_ms = Max(last_seen_ms, observed_ms);
  expires_ms = Max(expires_ms, observed_ms + ttl_s * 1000);
}

void HazardCluster::Merge(const HazardCluster& other) {
  if (other.reports == 0) return;
  first_seen_ms = reports == 0 ? other.first_seen_ms : std::min(first_seen_ms, other.first_seen_ms);
  reports += other.reports;
  cancellations += other.cancellations;
  confidence_sum += other.confidence_sum;
  last_seen_ms = Max(last_seen_ms, other.last_seen_ms);
  last_cancelled_ms = Max(last_cancelled_ms, other.last_cancelled_ms);
  expires_ms = Max(expires_ms, other.expires_ms);
  vehicles.Merge(other.vehicles);
}

}  // namespace roadsense::db
