#include "simulator/prng.h"

#include <cmath>

namespace roadsense::simulator {

uint64_t Mix64(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

Prng Prng::Derive(uint64_t seed, uint64_t stream_a, uint64_t stream_b) {
  return Prng(Mix64(Mix64(Mix64(seed) ^ stream_a) + stream_b * 0x9e3779b97f4a7c15ULL));
}

uint64_t Prng::NextU64() {
  state_ += 0x9e3779b97f4a7c15ULL;
  return Mix64(state_);
}

double Prng::NextDouble() {
  // The top 53 bits fill a double's mantissa exactly.
  return static_cast<double>(NextU64() >> 11) * 0x1.0p-53;
}

uint64_t Prng::Below(uint64_t n) {
  // Modulo bias is below 2^-40 for the small n the simulator uses; not worth rejection sampling.
  return NextU64() % n;
}

double Prng::Normal(double mean, double stddev) {
  if (has_spare_) {
    has_spare_ = false;
    return mean + stddev * spare_;
  }
  const double u1 = 1.0 - NextDouble();  // (0, 1]: log stays finite
  const double u2 = NextDouble();
  const double r = std::sqrt(-2.0 * std::log(u1));
  spare_ = r * std::sin(2.0 * M_PI * u2);
  has_spare_ = true;
  return mean + stddev * r * std::cos(2.0 * M_PI * u2);
}

}  // namespace roadsense::simulator
