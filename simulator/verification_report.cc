#include "simulator/verification_report.h"

#include <boost/json.hpp>
#include <cstdio>

namespace roadsense::simulator {
namespace {

// A figure passes its threshold when the check is off (0), when there is nothing to measure
// (nullopt: nothing publishable, or no rows), or when it reaches the threshold.
bool Meets(std::optional<double> value, double threshold) {
  return threshold <= 0 || !value || *value >= threshold;
}

std::string Figure(std::optional<double> value) {
  if (!value) return "n/a";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", *value);
  return buf;
}

std::string Threshold(double t) {
  if (t <= 0) return "(not checked)";
  char buf[32];
  std::snprintf(buf, sizeof buf, "(min %.2f)", t);
  return buf;
}

void Line(std::ostream& out, const char* check, bool pass, const std::string& text) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "  %-17s %s  ", check, pass ? "PASS" : "FAIL");
  out << buf << text << "\n";
}

boost::json::value Optional(std::optional<double> v) {
  return v ? boost::json::value(*v) : boost::json::value(nullptr);
}

}  // namespace

bool VerificationReport::hazard_recall_ok() const {
  if (!hazards) return thresholds.min_hazard_recall <= 0;
  return Meets(hazards->recall(), thresholds.min_hazard_recall);
}

bool VerificationReport::hazard_precision_ok() const {
  if (!hazards) return thresholds.min_hazard_precision <= 0;
  return Meets(hazards->precision(), thresholds.min_hazard_precision);
}

bool VerificationReport::speed_limit_recovery_ok() const {
  if (!speed_limits) return thresholds.min_speed_limit_recovery <= 0;
  return Meets(speed_limits->recovery(), thresholds.min_speed_limit_recovery);
}

bool VerificationReport::ok() const {
  return skipped.empty() && drain_ok() && exact_ok && hazard_recall_ok() && hazard_precision_ok() &&
         speed_limit_recovery_ok();
}

std::string VerificationReport::Verdict() const {
  if (!skipped.empty()) return "verify: SKIPPED — " + skipped;
  if (ok()) {
    return "verify: OK — drained, totals exact" +
           std::string(thresholds.any() ? ", quality meets the thresholds" : "");
  }
  std::string failed;
  const auto add = [&](bool pass, const char* what) {
    if (pass) return;
    failed += failed.empty() ? "" : ", ";
    failed += what;
  };
  add(drain_ok(), "drain");
  add(exact_ok, "exact totals");
  add(hazard_recall_ok(), "hazard recall");
  add(hazard_precision_ok(), "hazard precision");
  add(speed_limit_recovery_ok(), "speed-limit recovery");
  return "verify: FAILED — " + failed;
}

void VerificationReport::Print(std::ostream& out) const {
  if (!skipped.empty()) {
    out << Verdict() << "\n";
    return;
  }
  out << "verification report:\n";
  Line(out, "drain", drain_ok(), drain ? drain->Describe() : "not waited");
  Line(out, "exact totals", exact_ok, exact_detail);
  if (!quality_error.empty()) {
    const bool pass = !thresholds.any();
    Line(out, "quality", pass, "cannot read the consumer views: " + quality_error);
  }
  if (hazards) {
    const HazardQuality& h = *hazards;
    Line(out, "hazard recall", hazard_recall_ok(),
         Figure(h.recall()) + " " + Threshold(thresholds.min_hazard_recall) + ": " +
             std::to_string(h.recalled) + " of " + std::to_string(h.expected) +
             " expected seeded hazards shown in active_hazards");
    Line(out, "hazard precision", hazard_precision_ok(),
         Figure(h.precision()) + " " + Threshold(thresholds.min_hazard_precision) + ": " +
             std::to_string(h.true_rows) + " of " + std::to_string(h.rows) +
             " active_hazards rows match an expected seeded hazard (" +
             std::to_string(h.unmatched_rows) + " near none, " + std::to_string(h.unexpected_rows) +
             " of a hazard that must not show)");
  }
  if (speed_limits) {
    const SpeedLimitQuality& s = *speed_limits;
    Line(out, "speed limits", speed_limit_recovery_ok(),
         Figure(s.recovery()) + " " + Threshold(thresholds.min_speed_limit_recovery) + ": " +
             std::to_string(s.recovered) + " of " + std::to_string(s.expected) +
             " publishable seeded limits shown with their value (" + std::to_string(s.missing) +
             " missing, " + std::to_string(s.wrong_value) + " with another value)");
  }
  if (hazards) {
    const HazardQuality& h = *hazards;
    int64_t by_status[kSiteStatusCount] = {};
    for (const SiteOutcome& o : h.sites) ++by_status[static_cast<int>(o.status)];
    char buf[160];
    out << "  hazards (k = " << k << "): " << h.sites.size() << " seeded; " << h.expected
        << " expected (" << h.expected_ended
        << " of them already gone, shown until TTL or a cancellation); not expected: "
        << by_status[static_cast<int>(SiteStatus::kBelowK)] << " below k, "
        << by_status[static_cast<int>(SiteStatus::kNotReported)] << " not reported, "
        << by_status[static_cast<int>(SiteStatus::kCancelled)] << " cancelled, "
        << by_status[static_cast<int>(SiteStatus::kExpired)] << " expired, "
        << by_status[static_cast<int>(SiteStatus::kUnderCounted)]
        << " under-counted by the vehicle sketch (may show)\n";
    std::snprintf(buf, sizeof buf, "    %-18s %7s %9s %7s %5s %10s\n", "type", "seeded", "expected",
                  "shown", "rows", "true rows");
    out << buf;
    for (const auto& [type, c] : h.by_type) {
      std::snprintf(buf, sizeof buf, "    %-18s %7lld %9lld %7lld %5lld %10lld\n",
                    HazardTypeName(type).c_str(), static_cast<long long>(c.seeded),
                    static_cast<long long>(c.expected), static_cast<long long>(c.recalled),
                    static_cast<long long>(c.rows), static_cast<long long>(c.true_rows));
      out << buf;
    }
  }
  if (speed_limits) {
    const SpeedLimitQuality& s = *speed_limits;
    out << "  speed limits (k = " << k << "): " << s.seeded << " seeded (sign cell x direction); "
        << s.expected
        << " publishable (the seeded value wins its cell's votes with >= k vehicles); " << s.rows
        << " speed_limits rows read\n";
  }
  out << Verdict() << "\n";
}

boost::json::value VerificationReport::ToJson() const {
  boost::json::object o;
  o["ok"] = ok();
  o["message"] = Verdict();
  if (!skipped.empty()) return o;
  o["drain"] = {{"ok", drain_ok()},
                {"seconds", drain ? drain->elapsed_s : 0.0},
                {"queue_checked", drain && drain->queue_checked},
                {"queue_empty_after_s", drain ? drain->queue_s : 0.0},
                {"polls", drain ? drain->polls : 0}};
  o["exact"] = {{"ok", exact_ok}, {"detail", exact_detail}};
  o["tiles"] = tiles;
  o["mismatched_cells"] = mismatched_cells;
  o["expected_reports"] = expected_reports;
  o["observed_reports"] = observed_reports;
  o["k"] = k;
  o["thresholds"] = {{"min_hazard_recall", thresholds.min_hazard_recall},
                     {"min_hazard_precision", thresholds.min_hazard_precision},
                     {"min_speed_limit_recovery", thresholds.min_speed_limit_recovery}};
  if (!quality_error.empty()) o["quality_error"] = quality_error;
  if (hazards) {
    const HazardQuality& h = *hazards;
    boost::json::object by_type;
    for (const auto& [type, c] : h.by_type) {
      by_type[HazardTypeName(type)] = {{"seeded", c.seeded},
                                       {"expected", c.expected},
                                       {"recalled", c.recalled},
                                       {"rows", c.rows},
                                       {"true_rows", c.true_rows}};
    }
    boost::json::array sites;
    for (const SiteOutcome& s : h.sites) {
      sites.push_back({{"site", s.site},
                       {"hazard", HazardTypeName(s.hazard_type)},
                       {"status", SiteStatusName(s.status)},
                       {"max_cluster_vehicles", s.max_cluster_vehicles},
                       {"matching_rows", s.matching_rows},
                       {"ended", s.ended}});
    }
    o["hazards"] = {{"recall", Optional(h.recall())},
                    {"precision", Optional(h.precision())},
                    {"recall_ok", hazard_recall_ok()},
                    {"precision_ok", hazard_precision_ok()},
                    {"expected", h.expected},
                    {"recalled", h.recalled},
                    {"rows", h.rows},
                    {"true_rows", h.true_rows},
                    {"unmatched_rows", h.unmatched_rows},
                    {"unexpected_rows", h.unexpected_rows},
                    {"expected_ended", h.expected_ended},
                    {"by_type", std::move(by_type)},
                    {"sites", std::move(sites)}};
  }
  if (speed_limits) {
    const SpeedLimitQuality& s = *speed_limits;
    o["speed_limits"] = {{"recovery", Optional(s.recovery())},
                         {"ok", speed_limit_recovery_ok()},
                         {"seeded", s.seeded},
                         {"expected", s.expected},
                         {"recovered", s.recovered},
                         {"wrong_value", s.wrong_value},
                         {"missing", s.missing},
                         {"rows", s.rows}};
  }
  return o;
}

}  // namespace roadsense::simulator
