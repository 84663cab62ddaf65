// RunPlot: `--plot out.png` — a run's acknowledged rate and latency over time, drawn by gnuplot
// (Debian package gnuplot-nox; scripts/setup installs it) from RunSummary::series.
//
// Two panels sharing the time axis: reports/s per progress interval (with the open-loop target
// as a dashed line), and p99 latency per interval in ms with the interval's errors on the right
// axis. Stateless; Render() runs one gnuplot process and waits for it.
#pragma once

#include <string>

#include "core/status.h"
#include "simulator/run_summary.h"

namespace roadsense::simulator {

class RunPlot {
 public:
  // The gnuplot program drawing `summary` into png_path; the data is inline (a datablock).
  static std::string Script(const RunSummary& summary, const std::string& png_path);

  // Pipes Script() into `gnuplot`. kUnavailable when gnuplot is missing or fails.
  [[nodiscard]] static Status Render(const RunSummary& summary, const std::string& png_path);
};

}  // namespace roadsense::simulator
