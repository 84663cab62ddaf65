#include "simulator/map_comparison.h"

#include <set>

namespace roadsense::simulator {

MapComparison MapComparison::Compare(const CellMap& truth, const CellMap& before,
                                     const CellMap& after) {
  MapComparison out;
  out.cells_expected = static_cast<int64_t>(truth.size());
  std::set<CellKey> keys;
  for (const auto& [k, v] : truth) keys.insert(k);
  for (const auto& [k, v] : after) keys.insert(k);
  for (const auto& [k, v] : before) keys.insert(k);  // a vanished row is a (negative) delta too
  for (const CellKey& key : keys) {
    CellCounts expected, observed;
    if (auto it = truth.find(key); it != truth.end()) expected = it->second;
    if (auto it = after.find(key); it != after.end()) observed = it->second;
    if (auto it = before.find(key); it != before.end()) observed -= it->second;
    out.expected_totals += expected;
    out.observed_totals += observed;
    if (!(expected == observed)) out.mismatches.push_back({key, expected, observed});
  }
  return out;
}

std::string FormatCell(const CellKey& key) {
  return std::to_string(key.tile.z) + "/" + std::to_string(key.tile.x) + "/" +
         std::to_string(key.tile.y) + "@" + std::to_string(key.bucket_start_ms);
}

std::string FormatCounts(const CellCounts& c) {
  return "reports=" + std::to_string(c.reports) + " probe=" + std::to_string(c.probe_reports) +
         " hazard=" + std::to_string(c.hazard_reports) + " sign=" + std::to_string(c.sign_reports) +
         " weather=" + std::to_string(c.weather_reports) + " speed_n=" + std::to_string(c.speed_n) +
         " speed_sum_cms=" + std::to_string(c.speed_sum_cms);
}

std::string MapComparison::Describe(size_t max_listed) const {
  std::string out;
  for (size_t i = 0; i < mismatches.size() && i < max_listed; ++i) {
    const CellMismatch& m = mismatches[i];
    out += "  cell " + FormatCell(m.key) + "\n    expected " + FormatCounts(m.expected) +
           "\n    observed " + FormatCounts(m.observed) + "\n";
  }
  if (mismatches.size() > max_listed) {
    out += "  ... and " + std::to_string(mismatches.size() - max_listed) + " more cells\n";
  }
  out += "  totals expected " + FormatCounts(expected_totals) + "\n";
  out += "  totals observed " + FormatCounts(observed_totals) + "\n";
  return out;
}

}  // namespace roadsense::simulator
