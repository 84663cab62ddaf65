#include "bench/upload_bodies.h"

#include <chrono>

#include "schema/roadsense.pb.h"

namespace roadsense::bench {

std::vector<std::string> MakeUploadBodies(int count, int reports_per_batch) {
  std::vector<std::string> bodies;
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  for (int i = 0; i < count; ++i) {
    v1::ReportBatch b;
    b.mutable_envelope()->set_vehicle_pseudonym("bench_" + std::to_string(i / 10) + "-veh");
    b.mutable_envelope()->set_batch_sequence(static_cast<uint64_t>(i % 10 + 1));
    b.mutable_envelope()->set_sent_time_ms(now);
    b.mutable_envelope()->set_software_version("bench");
    for (int r = 0; r < reports_per_batch; ++r) {
      v1::Report* report = b.add_reports();
      report->set_observed_time_ms(now - 60000 + r * 1000);
      report->mutable_position()->set_lat_e7(481371540 + (i * 37 + r * 101) % 200000);
      report->mutable_position()->set_lon_e7(115753950 + (i * 53 + r * 89) % 200000);
      report->mutable_position()->set_heading_cdeg((r * 700) % 36000);
      report->mutable_position()->set_speed_cms(1000 + (r * 13) % 2000);
      report->mutable_probe()->set_longitudinal_accel_mms2(-200 + r % 400);
    }
    bodies.push_back(b.SerializeAsString());
  }
  return bodies;
}

}  // namespace roadsense::bench
