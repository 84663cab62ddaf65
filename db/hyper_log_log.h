// HyperLogLog: a mergeable distinct-count sketch (Flajolet et al. 2007) with 2^10 = 1024 one-byte
// registers — standard error 1.04/sqrt(1024) ≈ 3.3 %, and near-exact below a few hundred items
// (linear counting). The byte format (sparse and dense) is shared with the SQL functions
// hll_union / hll_cardinality of db/migrations/0004_map_layers.sql; see db/hyper_log_log.md.
//
// Items are added as 64-bit hashes (Hash64 for strings). Merge = per-register maximum, so sketches
// combine in any order, any number of times (idempotent). Value type; not thread-safe.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace roadsense::db {

class HyperLogLog {
 public:
  static constexpr int kPrecision = 10;
  static constexpr int kRegisters = 1 << kPrecision;
  static constexpr uint8_t kFormatDense = 1;
  static constexpr uint8_t kFormatSparse = 2;
  static constexpr size_t kDenseBytes = 12 + kRegisters;  // header + registers

  // A well-mixed 64-bit hash (FNV-1a, then the SplitMix64 finaliser).
  static uint64_t Hash64(std::string_view bytes);

  void Add(uint64_t hash);
  void Merge(const HyperLogLog& other);
  // Merge(); true when some register grew (the sketch changed).
  bool MergeChanged(const HyperLogLog& other);
  // Estimated number of distinct hashes added; the exact formula hll_cardinality uses in SQL.
  int64_t Estimate() const;

  // Sparse form: only the non-zero registers (3 bytes each); what workers send per batch.
  std::string SerializeSparse() const;
  // Dense form: header (zero-register count, fixed-point register sum) + all registers.
  std::string SerializeDense() const;
  // Appends the dense form (exactly kDenseBytes) to *out.
  void AppendDense(std::string* out) const;
  // Either form. kInvalidArgument when the bytes are not a sketch of this precision.
  static Result<HyperLogLog> Parse(std::string_view bytes);

  uint8_t register_at(int index) const { return registers_[static_cast<size_t>(index)]; }
  bool operator==(const HyperLogLog&) const = default;

 private:
  std::array<uint8_t, kRegisters> registers_{};
};

}  // namespace roadsense::db
