#include "simulator/batch_builder.h"

#include <cassert>
#include <utility>

namespace roadsense::simulator {

BatchBuilder::BatchBuilder(VehicleIdentity identity, std::string software_version,
                           std::string fleet_id)
    : identity_(std::move(identity)),
      software_version_(std::move(software_version)),
      fleet_id_(std::move(fleet_id)) {}

void BatchBuilder::Add(roadsense::v1::Report report) {
  *pending_.add_reports() = std::move(report);
}

roadsense::v1::ReportBatch BatchBuilder::Seal() {
  assert(!empty());
  VehicleIdentity::Key key = identity_.NextBatchKey();
  auto* env = pending_.mutable_envelope();
  env->set_vehicle_pseudonym(std::move(key.pseudonym));
  env->set_batch_sequence(key.sequence);
  env->set_sent_time_ms(pending_.reports(pending_.reports_size() - 1).observed_time_ms());
  env->set_software_version(software_version_);
  if (!fleet_id_.empty()) env->set_fleet_id(fleet_id_);
  roadsense::v1::ReportBatch out;
  out.Swap(&pending_);
  return out;
}

}  // namespace roadsense::simulator
