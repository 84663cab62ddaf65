#include "simulator/run_summary.h"

#include <boost/json.hpp>
#include <cstdio>

namespace roadsense::simulator {
namespace {

boost::json::object StatusCounts(const std::map<int, int64_t>& m) {
  boost::json::object o;
  for (const auto& [status, n] : m) o[std::to_string(status)] = n;
  return o;
}

std::string StatusList(const std::map<int, int64_t>& m) {
  std::string s;
  for (const auto& [status, n] : m) {
    if (!s.empty()) s += ", ";
    s += std::to_string(status) + ": " + std::to_string(n);
  }
  return s.empty() ? "none" : s;
}

}  // namespace

void RunSummary::Print(std::ostream& out) const {
  char buf[512];
  out << "uploads: sent " << uploads_sent << ", accepted " << uploads_accepted << ", rejected "
      << uploads_rejected << ", failed " << uploads_failed
      << " (final status: " << StatusList(uploads_by_status) << ")\n";
  out << "attempts: " << attempts << ", retries " << retries << ", transport errors "
      << transport_errors << " (answers: " << StatusList(attempts_by_status) << ")\n";
  std::snprintf(buf, sizeof buf,
                "reports: sent %lld, acked %lld in %.2f s = %.0f reports/s (%.0f uploads/s)\n",
                static_cast<long long>(reports_sent), static_cast<long long>(reports_acked),
                elapsed_s, reports_per_s, uploads_per_s);
  out << buf;
  std::snprintf(buf, sizeof buf, "latency ms: p50 %.2f  p90 %.2f  p99 %.2f  max %.2f\n",
                latency_p50_ms, latency_p90_ms, latency_p99_ms, latency_max_ms);
  out << buf;
  if (verify) out << verify->message << "\n";
}

std::string RunSummary::ToJson() const {
  boost::json::object o;
  o["uploads"] = {{"sent", uploads_sent},
                  {"accepted", uploads_accepted},
                  {"rejected", uploads_rejected},
                  {"failed", uploads_failed},
                  {"by_status", StatusCounts(uploads_by_status)}};
  o["attempts"] = {{"total", attempts},
                   {"retries", retries},
                   {"transport_errors", transport_errors},
                   {"by_status", StatusCounts(attempts_by_status)}};
  o["reports"] = {{"sent", reports_sent}, {"acked", reports_acked}};
  o["elapsed_s"] = elapsed_s;
  o["reports_per_s"] = reports_per_s;
  o["uploads_per_s"] = uploads_per_s;
  o["latency_ms"] = {{"p50", latency_p50_ms},
                     {"p90", latency_p90_ms},
                     {"p99", latency_p99_ms},
                     {"max", latency_max_ms}};
  if (verify) {
    o["verify"] = {{"ok", verify->ok},
                   {"message", verify->message},
                   {"tiles", verify->tiles},
                   {"mismatched_cells", verify->mismatched_cells},
                   {"expected_reports", verify->expected_reports},
                   {"observed_reports", verify->observed_reports}};
  }
  return boost::json::serialize(o) + "\n";
}

}  // namespace roadsense::simulator
