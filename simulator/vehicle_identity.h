// VehicleIdentity: a vehicle's rotating pseudonym and its per-pseudonym batch sequence.
//
// The pseudonym is "sim-" + 16 hex digits of a hash of (seed, run salt, vehicle index, rotation
// epoch): 20 chars of [A-Za-z0-9_-]. It rotates every `batches_per_pseudonym` batches, and the
// sequence restarts at 1 with each new pseudonym, as a car's would. The run salt (the simulated
// start time) keeps two runs with the same seed from sharing idempotency keys — otherwise the
// pipeline would rightly drop the second run's batches as replays. Not thread-safe.
#pragma once

#include <cstdint>
#include <string>

namespace roadsense::simulator {

class VehicleIdentity {
 public:
  VehicleIdentity(uint64_t seed, uint64_t run_salt, int vehicle_index, int batches_per_pseudonym);

  // The (pseudonym, sequence) key for the next batch; advances the sequence and rotates.
  struct Key {
    std::string pseudonym;
    uint64_t sequence = 0;
  };
  Key NextBatchKey();

  static std::string PseudonymFor(uint64_t seed, uint64_t run_salt, int vehicle_index,
                                  uint64_t epoch);

 private:
  uint64_t seed_;
  uint64_t run_salt_;
  int vehicle_index_;
  int batches_per_pseudonym_;
  uint64_t epoch_ = 0;
  uint64_t next_sequence_ = 1;
};

}  // namespace roadsense::simulator
