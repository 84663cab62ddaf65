// BatchBuilder: collects one vehicle's reports and seals them into a ReportBatch upload.
//
// The envelope gets the vehicle's next (pseudonym, sequence) key, sent_time_ms = the last
// report's observed time (simulated clock, so batches are reproducible), and the software
// version / fleet id given at construction. Not thread-safe.
#pragma once

#include <string>

#include "schema/roadsense.pb.h"
#include "simulator/vehicle_identity.h"

namespace roadsense::simulator {

class BatchBuilder {
 public:
  BatchBuilder(VehicleIdentity identity, std::string software_version, std::string fleet_id);

  void Add(roadsense::v1::Report report);
  // A new report at the end of the pending batch, to be filled in place (no copy).
  roadsense::v1::Report* AddReport() { return pending_.add_reports(); }
  int size() const { return pending_.reports_size(); }
  bool empty() const { return size() == 0; }

  // Returns the pending reports as a sealed batch and starts a new one. Requires !empty().
  roadsense::v1::ReportBatch Seal();

 private:
  VehicleIdentity identity_;
  std::string software_version_;
  std::string fleet_id_;
  roadsense::v1::ReportBatch pending_;
};

}  // namespace roadsense::simulator
