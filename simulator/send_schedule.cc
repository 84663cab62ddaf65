#include "simulator/send_schedule.h"

#include <cmath>

namespace roadsense::simulator {

SendSchedule::SendSchedule(double rate_reports_per_s, std::chrono::nanoseconds ramp_up)
    : rate_(rate_reports_per_s), ramp_s_(std::chrono::duration<double>(ramp_up).count()) {}

std::chrono::nanoseconds SendSchedule::DueAt(int64_t reports_before) const {
  const double k = static_cast<double>(reports_before);
  const double in_ramp = rate_ * ramp_s_ / 2;  // reports due during the ramp
  const double t_s =
      k < in_ramp ? std::sqrt(2 * ramp_s_ * k / rate_) : ramp_s_ + (k - in_ramp) / rate_;
  return std::chrono::nanoseconds(static_cast<int64_t>(std::llround(t_s * 1e9)));
}

int64_t SendSchedule::ReportsWithin(std::chrono::nanoseconds duration) const {
  const double t = std::chrono::duration<double>(duration).count();
  const double n = t < ramp_s_ ? rate_ * t * t / (2 * ramp_s_) : rate_ * (t - ramp_s_ / 2);
  const auto whole = static_cast<int64_t>(std::ceil(n));
  return whole < 1 ? 1 : whole;
}

}  // namespace roadsense::simulator
