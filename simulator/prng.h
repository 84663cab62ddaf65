// Prng: the simulator's only source of randomness — SplitMix64, seeded explicitly.
//
// Why not std::*_distribution: their algorithms are implementation-defined, so the same seed could
// yield different fleets on different standard libraries. Every draw here is specified bit for bit,
// which makes a run reproducible from its --seed anywhere. Not thread-safe; one Prng per owner.
#pragma once

#include <cstdint>

namespace roadsense::simulator {

class Prng {
 public:
  explicit Prng(uint64_t seed) : state_(seed) {}

  // A generator for an independent stream: mixes `seed` with the stream ids, so Prng::Derive(s, 1)
  // and Prng::Derive(s, 2) never share state.
  static Prng Derive(uint64_t seed, uint64_t stream_a, uint64_t stream_b = 0);

  uint64_t NextU64();
  // Uniform in [0, 1).
  double NextDouble();
  // Uniform in [lo, hi).
  double Uniform(double lo, double hi) { return lo + (hi - lo) * NextDouble(); }
  // Uniform integer in [0, n); n > 0.
  uint64_t Below(uint64_t n);
  // True with probability p.
  bool Chance(double p) { return NextDouble() < p; }
  // Normally distributed (Box–Muller; each pair of uniforms yields two draws, the second kept
  // for the next call).
  double Normal(double mean, double stddev);

 private:
  uint64_t state_;
  double spare_ = 0;  // the second standard normal of the last pair
  bool has_spare_ = false;
};

// The SplitMix64 finaliser: a good 64-bit mixing function (also used to derive pseudonyms).
uint64_t Mix64(uint64_t x);

}  // namespace roadsense::simulator
