// SendSchedule: when an open-loop run intends to send each upload.
//
// The target rate is in *reports* per second (an upload of n reports takes n / rate seconds of
// the schedule), reached by a linear ramp from 0 over `ramp_up`: the k-th report (0-based) is due
// at t with N(t) = k, where N(t) = rate·t²/(2·ramp) during the ramp and
// rate·ramp/2 + rate·(t − ramp) after it. An upload is due when its first report is.
// Immutable; safe to share across threads.
#pragma once

#include <chrono>
#include <cstdint>

namespace roadsense::simulator {

class SendSchedule {
 public:
  // rate_reports_per_s > 0; ramp_up >= 0.
  SendSchedule(double rate_reports_per_s, std::chrono::nanoseconds ramp_up);

  // Offset from the start of the run at which report number `reports_before` is due.
  std::chrono::nanoseconds DueAt(int64_t reports_before) const;

  // How many reports a run of `duration` sends (the reports due before it ends), at least 1.
  int64_t ReportsWithin(std::chrono::nanoseconds duration) const;

 private:
  double rate_;    // reports per second
  double ramp_s_;  // seconds
};

}  // namespace roadsense::simulator
