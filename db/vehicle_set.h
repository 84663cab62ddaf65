// VehicleSet: the distinct vehicles (64-bit pseudonym hashes, HyperLogLog::Hash64) seen by one
// aggregate within one commit. Exact: size() is the commit's distinct-vehicle count, and
// ToHyperLogLog() the sketch the database merges across commits. Sorted, unique; small (a tile
// sees a handful of vehicles per commit). Value type; not thread-safe.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "db/hyper_log_log.h"

namespace roadsense::db {

class VehicleSet {
 public:
  void Add(uint64_t hash) {
    // Reports of one vehicle arrive together, so the common case is a repeat of the last add.
    if (last_ == hash && !hashes_.empty()) return;
    last_ = hash;
    auto it = std::lower_bound(hashes_.begin(), hashes_.end(), hash);
    if (it == hashes_.end() || *it != hash) hashes_.insert(it, hash);
  }
  void Merge(const VehicleSet& other) {
    for (uint64_t h : other.hashes_) Add(h);
  }
  size_t size() const { return hashes_.size(); }
  const std::vector<uint64_t>& hashes() const { return hashes_; }

  HyperLogLog ToHyperLogLog() const {
    HyperLogLog hll;
    for (uint64_t h : hashes_) hll.Add(h);
    return hll;
  }

  bool operator==(const VehicleSet& other) const { return hashes_ == other.hashes_; }

 private:
  std::vector<uint64_t> hashes_;
  uint64_t last_ = 0;
};

}  // namespace roadsense::db
