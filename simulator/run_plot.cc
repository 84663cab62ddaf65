#include "simulator/run_plot.h"

#include <sys/wait.h>

#include <algorithm>
#include <cstdio>

namespace roadsense::simulator {
namespace {

// A gnuplot single-quoted string: only the quote itself needs escaping, by doubling it.
std::string Quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    out += c;
    if (c == '\'') out += '\'';
  }
  return out + "'";
}

constexpr const char* kRatePlot =
    "plot $series using 1:2 with linespoints lw 2 pt 7 ps 0.5 title 'acked reports/s'";

}  // namespace

std::string RunPlot::Script(const RunSummary& summary, const std::string& png_path) {
  std::string s;
  char line[256];
  s += "$series << EOD\n";
  s += "# t_s reports_per_s p99_ms errors\n";
  for (const ProgressSample& p : summary.series) {
    std::snprintf(line, sizeof line, "%.3f %.1f %.3f %lld\n", p.t_s, p.reports_per_s, p.p99_ms,
                  static_cast<long long>(p.errors));
    s += line;
  }
  if (summary.series.empty()) s += "0 0 0 0\n";  // an empty datablock is a gnuplot error
  s += "EOD\n";
  s += "set terminal pngcairo size 1000,700 noenhanced\n";
  s += "set output " + Quoted(png_path) + "\n";
  s +=
      "set multiplot layout 2,1 title " + Quoted("roadsense-sim: " + summary.mode + " loop") + "\n";
  s += "set grid\nset key top left\nset xlabel 'seconds since start'\nset xrange [0:*]\n";
  s += "set ylabel 'reports/s'\nset yrange [0:*]\n";
  if (summary.mode == "open") {
    std::snprintf(line, sizeof line, "%s, %.3f with lines dt 2 title 'target'\n", kRatePlot,
                  summary.target_reports_per_s);
    s += line;
  } else {
    s += std::string(kRatePlot) + "\n";
  }
  int64_t max_errors = 0;
  for (const ProgressSample& p : summary.series) max_errors = std::max(max_errors, p.errors);
  s += "set ylabel 'p99 latency, ms'\nset y2label 'errors'\nset ytics nomirror\nset y2tics\n";
  // A fixed range when there were no errors: gnuplot warns about an empty autoscaled one.
  s += max_errors > 0 ? "set y2range [0:*]\n" : "set y2range [0:1]\n";
  s += "plot $series using 1:3 with linespoints lw 2 pt 7 ps 0.5 title 'p99 ms (per interval)', "
       "$series using 1:4 axes x1y2 with impulses title 'errors'\n";
  s += "unset multiplot\n";
  return s;
}

Status RunPlot::Render(const RunSummary& summary, const std::string& png_path) {
  const std::string script = Script(summary, png_path);
  FILE* gp = popen("gnuplot", "w");
  if (gp == nullptr) return Unavailable("cannot start gnuplot");
  const bool written = std::fwrite(script.data(), 1, script.size(), gp) == script.size();
  const int status = pclose(gp);
  if (!written || status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return Unavailable("gnuplot failed (exit " +
                       std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) +
                       "; is the gnuplot-nox package installed?)");
  }
  return Status::Ok();
}

}  // namespace roadsense::simulator
