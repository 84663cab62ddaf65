// Valid ReportBatch values for receiver tests; each test breaks exactly the rule it checks.
#pragma once

#include <cstdint>

#include "schema/roadsense.pb.h"

namespace roadsense::receiver::testing {

inline constexpr int64_t kNowMs = 1'764'000'000'000;  // 2025-11-24, a fixed "now"

inline v1::Report ProbeReport(int64_t observed_ms = kNowMs - 1000) {
  v1::Report r;
  r.set_observed_time_ms(observed_ms);
  r.mutable_position()->set_lat_e7(481371540);  // Munich
  r.mutable_position()->set_lon_e7(115753950);
  r.mutable_position()->set_heading_cdeg(9000);
  r.mutable_position()->set_speed_cms(1389);
  r.mutable_probe()->set_longitudinal_accel_mms2(-500);
  return r;
}

// One probe, one hazard, one sign and one weather report, all valid at kNowMs.
inline v1::ReportBatch ValidBatch() {
  v1::ReportBatch b;
  b.mutable_envelope()->set_vehicle_pseudonym("veh_0001-abc");
  b.mutable_envelope()->set_batch_sequence(7);
  b.mutable_envelope()->set_sent_time_ms(kNowMs - 500);
  b.mutable_envelope()->set_software_version("21.3.1");
  *b.add_reports() = ProbeReport();
  v1::Report hazard = ProbeReport();
  hazard.mutable_hazard()->set_type(v1::HAZARD_TYPE_FOG);
  hazard.mutable_hazard()->set_confidence_pct(80);
  hazard.mutable_hazard()->set_ttl_s(600);
  *b.add_reports() = hazard;
  v1::Report sign = ProbeReport();
  sign.mutable_sign()->set_type(v1::SIGN_TYPE_SPEED_LIMIT);
  sign.mutable_sign()->set_value(80);
  *b.add_reports() = sign;
  v1::Report weather = ProbeReport();
  weather.mutable_weather()->set_wipers(v1::WIPER_STATE_LOW);
  weather.mutable_weather()->set_outside_temp_dc(-35);
  *b.add_reports() = weather;
  return b;
}

}  // namespace roadsense::receiver::testing
