// VerificationReport: the outcome of --verify — drain, exact totals, and the quality of what
// consumers see — printed for people (one PASS/FAIL line per check) and as the "verify" object of
// the --out JSON (shape in simulator/README.md). Value type.
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>

#include "simulator/drain_waiter.h"
#include "simulator/map_quality.h"

namespace roadsense::simulator {

// 0 turns a check off (its figure is still reported when it could be computed).
struct QualityThresholds {
  double min_hazard_recall = 0.8;
  double min_hazard_precision = 0.9;
  double min_speed_limit_recovery = 0.9;
  bool any() const {
    return min_hazard_recall > 0 || min_hazard_precision > 0 || min_speed_limit_recovery > 0;
  }
};

struct VerificationReport {
  std::string skipped;  // non-empty: nothing was verified, and why

  std::optional<DrainResult> drain;

  // Exact totals (tile_stats deltas vs. ground truth).
  bool exact_ok = false;
  std::string exact_detail;  // "812 tiles, 100000 reports match exactly ..." or the mismatches
  int64_t tiles = 0;         // tiles in ground truth
  int64_t mismatched_cells = 0;
  int64_t expected_reports = 0;
  int64_t observed_reports = 0;  // sum of tile_stats.reports deltas

  // Quality (consumer views).
  QualityThresholds thresholds;
  std::string quality_error;  // the views could not be read
  int64_t k = 0;
  std::optional<HazardQuality> hazards;
  std::optional<SpeedLimitQuality> speed_limits;

  bool drain_ok() const { return drain && drain->ok(); }
  bool hazard_recall_ok() const;
  bool hazard_precision_ok() const;
  bool speed_limit_recovery_ok() const;
  bool ok() const;
  // "verify: OK — ..." / "verify: FAILED — <failed checks>" / "verify: SKIPPED — ...".
  std::string Verdict() const;

  void Print(std::ostream& out) const;
  boost::json::value ToJson() const;
};

}  // namespace roadsense::simulator
