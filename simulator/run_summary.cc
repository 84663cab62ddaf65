#include "simulator/run_summary.h"

#include <boost/json.hpp>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <string_view>

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

// Plain decimals with at most 3 fraction digits: boost::json would write 48.127 as "4.8127E1".
void AppendNumber(double v, std::string* out) {
  if (!std::isfinite(v)) v = 0;
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, 3);
  if (ec != std::errc()) {
    out->push_back('0');
    return;
  }
  std::string_view text(buf, static_cast<size_t>(end - buf));
  while (text.back() == '0') text.remove_suffix(1);
  if (text.back() == '.') text.remove_suffix(1);
  if (text == "-0") text = "0";
  out->append(text);
}

// boost::json::serialize, except for the number format of doubles.
void AppendJson(const boost::json::value& v, std::string* out) {
  switch (v.kind()) {
    case boost::json::kind::double_:
      AppendNumber(v.get_double(), out);
      return;
    case boost::json::kind::object: {
      out->push_back('{');
      bool first = true;
      for (const auto& [key, value] : v.get_object()) {
        if (!first) out->push_back(',');
        first = false;
        out->append(boost::json::serialize(boost::json::string(key)));
        out->push_back(':');
        AppendJson(value, out);
      }
      out->push_back('}');
      return;
    }
    case boost::json::kind::array: {
      out->push_back('[');
      bool first = true;
      for (const auto& value : v.get_array()) {
        if (!first) out->push_back(',');
        first = false;
        AppendJson(value, out);
      }
      out->push_back(']');
      return;
    }
    default:
      out->append(boost::json::serialize(v));
  }
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
  if (mode == "open") {
    std::snprintf(buf, sizeof buf,
                  "open loop: target %.0f reports/s; latency from the intended send time\n",
                  target_reports_per_s);
    out << buf;
  }
  if (stopped_by_duration) out << "stopped: --duration-s reached\n";
  std::snprintf(buf, sizeof buf, "latency ms: p50 %.2f  p90 %.2f  p99 %.2f  p99.9 %.2f  max %.2f\n",
                latency_p50_ms, latency_p90_ms, latency_p99_ms, latency_p999_ms, latency_max_ms);
  out << buf;
  if (verify) verify->Print(out);
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
  o["mode"] = mode;
  if (mode == "open") o["target_reports_per_s"] = target_reports_per_s;
  o["stopped_by_duration"] = stopped_by_duration;
  o["reports"] = {{"sent", reports_sent}, {"acked", reports_acked}};
  o["elapsed_s"] = elapsed_s;
  o["reports_per_s"] = reports_per_s;
  o["uploads_per_s"] = uploads_per_s;
  o["latency_ms"] = {{"p50", latency_p50_ms},
                     {"p90", latency_p90_ms},
                     {"p99", latency_p99_ms},
                     {"p99.9", latency_p999_ms},
                     {"max", latency_max_ms}};
  boost::json::array samples;
  for (const ProgressSample& p : series) {
    samples.push_back({{"t_s", p.t_s},
                       {"reports_per_s", p.reports_per_s},
                       {"uploads_per_s", p.uploads_per_s},
                       {"errors", p.errors},
                       {"p99_ms", p.p99_ms}});
  }
  o["series"] = std::move(samples);
  if (verify) o["verify"] = verify->ToJson();
  std::string text;
  AppendJson(o, &text);
  return text + "\n";
}

}  // namespace roadsense::simulator
