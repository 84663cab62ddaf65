#include "db/hyper_log_log.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace roadsense::db {
namespace {

constexpr size_t kDenseHeader = 12;  // format, precision, zeros (2), register sum (8)
static_assert(HyperLogLog::kDenseBytes == kDenseHeader + HyperLogLog::kRegisters);

// 2^-rank in 32.32 fixed point. Registers above 32 contribute < 2^-32 and are dropped; both C++
// and SQL use this exact sum so their estimates agree to the bit.
constexpr uint64_t Weight(uint8_t rank) { return rank > 32 ? 0 : uint64_t{1} << (32 - rank); }

void PutBigEndian(uint64_t value, int bytes, std::string* out) {
  for (int i = bytes - 1; i >= 0; --i) out->push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

}  // namespace

uint64_t HyperLogLog::Hash64(std::string_view bytes) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ULL;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebULL;
  h ^= h >> 31;
  return h;
}

void HyperLogLog::Add(uint64_t hash) {
  const size_t index = hash >> (64 - kPrecision);
  // Rank = position of the first 1 bit in the remaining 54 bits (1..55).
  const uint64_t rest = (hash << kPrecision) | (uint64_t{1} << (kPrecision - 1));
  const auto rank = static_cast<uint8_t>(std::countl_zero(rest) + 1);
  registers_[index] = std::max(registers_[index], rank);
}

void HyperLogLog::Merge(const HyperLogLog& other) {
  for (size_t i = 0; i < registers_.size(); ++i) {
    registers_[i] = std::max(registers_[i], other.registers_[i]);
  }
}

bool HyperLogLog::MergeChanged(const HyperLogLog& other) {
  // Branch-free so the loop vectorises; it runs for every tile row of every commit.
  uint8_t grew = 0;
  for (size_t i = 0; i < registers_.size(); ++i) {
    const uint8_t mine = registers_[i];
    const uint8_t theirs = other.registers_[i];
    grew |= static_cast<uint8_t>(theirs > mine);
    registers_[i] = std::max(mine, theirs);
  }
  return grew != 0;
}

int64_t HyperLogLog::Estimate() const {
  int zeros = 0;
  uint64_t sum = 0;
  for (uint8_t r : registers_) {
    zeros += r == 0;
    sum += Weight(r);
  }
  const double m = kRegisters;
  const double alpha = 0.7213 / (1.0 + 1.079 / m);
  const double raw = alpha * m * m / (static_cast<double>(sum) / 4294967296.0);
  const double estimate = (raw <= 2.5 * m && zeros > 0) ? m * std::log(m / zeros) : raw;
  return std::llround(estimate);
}

std::string HyperLogLog::SerializeSparse() const {
  std::string out{static_cast<char>(kFormatSparse), static_cast<char>(kPrecision)};
  for (size_t i = 0; i < registers_.size(); ++i) {
    if (registers_[i] == 0) continue;
    PutBigEndian(i, 2, &out);
    out.push_back(static_cast<char>(registers_[i]));
  }
  return out;
}

std::string HyperLogLog::SerializeDense() const {
  std::string out;
  AppendDense(&out);
  return out;
}

void HyperLogLog::AppendDense(std::string* out) const {
  static constexpr auto kWeights = [] {
    std::array<uint64_t, 256> weights{};
    for (int rank = 0; rank < 256; ++rank) weights[rank] = Weight(static_cast<uint8_t>(rank));
    return weights;
  }();
  out->push_back(static_cast<char>(kFormatDense));
  out->push_back(static_cast<char>(kPrecision));
  uint64_t zeros = 0;
  uint64_t sum = 0;
  for (uint8_t r : registers_) {
    zeros += r == 0;
    sum += kWeights[r];
  }
  PutBigEndian(zeros, 2, out);
  PutBigEndian(sum, 8, out);
  out->append(reinterpret_cast<const char*>(registers_.data()), registers_.size());
}

Result<HyperLogLog> HyperLogLog::Parse(std::string_view bytes) {
  auto byte = [&](size_t i) { return static_cast<uint8_t>(bytes[i]); };
  if (bytes.size() < 2 || byte(1) != kPrecision) {
    return InvalidArgument("hll: not a precision-10 sketch");
  }
  HyperLogLog hll;
  if (byte(0) == kFormatDense) {
    if (bytes.size() != kDenseHeader + kRegisters) return InvalidArgument("hll: bad dense size");
    std::copy(bytes.begin() + kDenseHeader, bytes.end(), hll.registers_.begin());
    return hll;
  }
  if (byte(0) != kFormatSparse || (bytes.size() - 2) % 3 != 0) {
    return InvalidArgument("hll: unknown format");
  }
  for (size_t i = 2; i < bytes.size(); i += 3) {
    const size_t index = (size_t{byte(i)} << 8) | byte(i + 1);
    if (index >= kRegisters) return InvalidArgument("hll: register index out of range");
    hll.registers_[index] = std::max(hll.registers_[index], byte(i + 2));
  }
  return hll;
}

}  // namespace roadsense::db
