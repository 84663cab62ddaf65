#include "simulator/vehicle_identity.h"

#include <cstdio>

#include "simulator/prng.h"

namespace roadsense::simulator {

VehicleIdentity::VehicleIdentity(uint64_t seed, uint64_t run_salt, int vehicle_index,
                                 int batches_per_pseudonym)
    : seed_(seed),
      run_salt_(run_salt),
      vehicle_index_(vehicle_index),
      batches_per_pseudonym_(batches_per_pseudonym < 1 ? 1 : batches_per_pseudonym) {}

std::string VehicleIdentity::PseudonymFor(uint64_t seed, uint64_t run_salt, int vehicle_index,
                                          uint64_t epoch) {
  const uint64_t h =
      Mix64(Mix64(Mix64(Mix64(seed) ^ run_salt) ^ static_cast<uint64_t>(vehicle_index)) ^ epoch);
  char buf[32];
  std::snprintf(buf, sizeof buf, "sim-%016llx", static_cast<unsigned long long>(h));
  return buf;
}

VehicleIdentity::Key VehicleIdentity::NextBatchKey() {
  if (next_sequence_ > static_cast<uint64_t>(batches_per_pseudonym_)) {
    ++epoch_;
    next_sequence_ = 1;
  }
  return Key{PseudonymFor(seed_, run_salt_, vehicle_index_, epoch_), next_sequence_++};
}

}  // namespace roadsense::simulator
