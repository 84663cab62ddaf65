#include "core/md5_lanes.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "core/digest.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace roadsense {
namespace {

#if defined(__x86_64__)

constexpr int kLanes = 16;  // two registers of eight 32-bit lanes
constexpr size_t kBlock = 64;

// RFC 1321: per-step additive constants, shifts and message word order.
constexpr uint32_t kK[64] = {
    0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
    0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
    0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
    0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
    0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
    0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
    0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
    0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391};
constexpr int kShift[64] = {7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
                            5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20,
                            4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
                            6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21};
constexpr int WordIndex(int step) {
  return step < 16   ? step
         : step < 32 ? (5 * step + 1) % 16
         : step < 48 ? (3 * step + 5) % 16
                     : (7 * step) % 16;
}

// One MD5 round: 16 steps STEP(f, w, x, y, z, step), the state words (a, b, c, d) rotating by one
// each step. Shared by the AVX2 and AVX-512 lanes, which define STEP for their registers.
#define RS_MD5_16_STEPS(STEP, f, a, b, c, d, s) \
  STEP(f, a, b, c, d, s + 0);                   \
  STEP(f, d, a, b, c, s + 1);                   \
  STEP(f, c, d, a, b, s + 2);                   \
  STEP(f, b, c, d, a, s + 3);                   \
  STEP(f, a, b, c, d, s + 4);                   \
  STEP(f, d, a, b, c, s + 5);                   \
  STEP(f, c, d, a, b, s + 6);                   \
  STEP(f, b, c, d, a, s + 7);                   \
  STEP(f, a, b, c, d, s + 8);                   \
  STEP(f, d, a, b, c, s + 9);                   \
  STEP(f, c, d, a, b, s + 10);                  \
  STEP(f, b, c, d, a, s + 11);                  \
  STEP(f, a, b, c, d, s + 12);                  \
  STEP(f, d, a, b, c, s + 13);                  \
  STEP(f, c, d, a, b, s + 14);                  \
  STEP(f, b, c, d, a, s + 15)

// How many blocks each of the first `count` inputs pads to, into blocks[]; returns the most.
size_t CountPaddedBlocks(const std::string_view* inputs, int count, size_t (&blocks)[kLanes]) {
  size_t most = 0;
  for (int l = 0; l < count; ++l) {
    blocks[l] = (inputs[l].size() + 8) / kBlock + 1;
    most = std::max(most, blocks[l]);
  }
  return most;
}

// Block `index` of `data` as MD5 pads it: the bytes, 0x80, zeros, the bit length (little endian)
// in the last 8 bytes of the last block.
void PaddedBlock(std::string_view data, size_t index, unsigned char* out) {
  const size_t start = index * kBlock;
  std::memset(out, 0, kBlock);
  if (start < data.size())
    std::memcpy(out, data.data() + start, std::min(kBlock, data.size() - start));
  if (data.size() / kBlock == index) out[data.size() % kBlock] = 0x80;
  if (index + 1 == (data.size() + 8) / kBlock + 1) {
    const uint64_t bits = static_cast<uint64_t>(data.size()) * 8;
    for (int i = 0; i < 8; ++i) out[56 + i] = static_cast<unsigned char>(bits >> (8 * i));
  }
}

__attribute__((target("avx2"), always_inline)) inline __m256i Rotl(__m256i x, int s) {
  return _mm256_or_si256(_mm256_slli_epi32(x, s), _mm256_srli_epi32(x, 32 - s));
}

// Words `first`..`first`+7 of the eight blocks at `rows` (one lane each) turned so that word
// first+j of every lane is in `m[first + j]`, lane l in element l: an 8x8 transpose of 32-bit
// elements in 24 shuffles.
__attribute__((target("avx2"), always_inline)) inline void LoadTransposed8(
    const unsigned char* const* rows, int first, __m256i* m) {
  __m256i r[8];
#pragma GCC unroll 8
  for (int l = 0; l < 8; ++l) {
    r[l] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(rows[l] + 4 * first));
  }
  __m256i t[8];  // pairs of rows, words interleaved within each 128-bit half
#pragma GCC unroll 4
  for (int i = 0; i < 8; i += 2) {
    t[i] = _mm256_unpacklo_epi32(r[i], r[i + 1]);
    t[i + 1] = _mm256_unpackhi_epi32(r[i], r[i + 1]);
  }
  __m256i u[8];  // u[4h + e]: rows 4h..4h+3, word e (low half) and word 4+e (high half)
#pragma GCC unroll 2
  for (int h = 0; h < 2; ++h) {
    u[4 * h + 0] = _mm256_unpacklo_epi64(t[4 * h], t[4 * h + 2]);
    u[4 * h + 1] = _mm256_unpackhi_epi64(t[4 * h], t[4 * h + 2]);
    u[4 * h + 2] = _mm256_unpacklo_epi64(t[4 * h + 1], t[4 * h + 3]);
    u[4 * h + 3] = _mm256_unpackhi_epi64(t[4 * h + 1], t[4 * h + 3]);
  }
#pragma GCC unroll 4
  for (int e = 0; e < 4; ++e) {
    m[first + e] = _mm256_permute2x128_si256(u[e], u[4 + e], 0x20);
    m[first + 4 + e] = _mm256_permute2x128_si256(u[e], u[4 + e], 0x31);
  }
}

// Hashes up to kLanes inputs side by side; writes 16 raw digest bytes per input to `digests`.
// The lanes form two groups of eight, one register each: an MD5 step is a chain of dependent
// operations, so one group leaves the core waiting on latency and the second runs in its shadow.
// Blocks are transposed with shuffles (copying them in 4-byte pieces took a third of the time).
__attribute__((target("avx2"))) void Md5LanesAvx2(const std::string_view* inputs, int count,
                                                  unsigned char (*digests)[16]) {
  size_t blocks[kLanes] = {};
  const size_t max_blocks = CountPaddedBlocks(inputs, count, blocks);
  __m256i a[2], b[2], c[2], d[2];
  for (int g = 0; g < 2; ++g) {
    a[g] = _mm256_set1_epi32(0x67452301);
    b[g] = _mm256_set1_epi32(static_cast<int>(0xefcdab89));
    c[g] = _mm256_set1_epi32(static_cast<int>(0x98badcfe));
    d[g] = _mm256_set1_epi32(0x10325476);
  }
  alignas(32) static constexpr unsigned char kZeros[kBlock] = {};
  alignas(32) unsigned char tails[kLanes][kBlock];
  const unsigned char* rows[kLanes];
  alignas(32) int32_t active[2][8];
  const __m256i ones = _mm256_set1_epi32(-1);
  for (size_t index = 0; index < max_blocks; ++index) {
    for (int l = 0; l < kLanes; ++l) {
      const bool live = l < count && index < blocks[l];
      active[l / 8][l % 8] = live ? -1 : 0;
      if (!live) {
        rows[l] = kZeros;  // hashed, but its state is not updated
      } else if ((index + 1) * kBlock <= inputs[l].size()) {
        rows[l] = reinterpret_cast<const unsigned char*>(inputs[l].data()) + index * kBlock;
      } else {
        PaddedBlock(inputs[l], index, tails[l]);
        rows[l] = tails[l];
      }
    }
    __m256i m0[16], m1[16];
    LoadTransposed8(rows, 0, m0);
    LoadTransposed8(rows, 8, m0);
    LoadTransposed8(rows + 8, 0, m1);
    LoadTransposed8(rows + 8, 8, m1);
    __m256i a0 = a[0], b0 = b[0], c0 = c[0], d0 = d[0];
    __m256i a1 = a[1], b1 = b[1], c1 = c[1], d1 = d[1];
    // Fully unrolled: constant shifts, word indices and round functions (a loop deciding them at
    // run time ran at half the speed).
#define RS_MD5_OP(F, m, w, x, y, z, step)                                                        \
  w = _mm256_add_epi32(                                                                          \
      x, Rotl(_mm256_add_epi32(_mm256_add_epi32(w, F(x, y, z)),                                  \
                               _mm256_add_epi32(m[WordIndex(step)],                              \
                                                _mm256_set1_epi32(static_cast<int>(kK[step])))), \
              kShift[step]))
#define RS_MD5_STEP(F, w, x, y, z, step)          \
  RS_MD5_OP(F, m0, w##0, x##0, y##0, z##0, step); \
  RS_MD5_OP(F, m1, w##1, x##1, y##1, z##1, step)
#define RS_MD5_F(x, y, z) _mm256_xor_si256(z, _mm256_and_si256(x, _mm256_xor_si256(y, z)))
#define RS_MD5_G(x, y, z) _mm256_xor_si256(y, _mm256_and_si256(z, _mm256_xor_si256(x, y)))
#define RS_MD5_H(x, y, z) _mm256_xor_si256(_mm256_xor_si256(x, y), z)
#define RS_MD5_I(x, y, z) _mm256_xor_si256(y, _mm256_or_si256(x, _mm256_xor_si256(z, ones)))
    RS_MD5_16_STEPS(RS_MD5_STEP, RS_MD5_F, a, b, c, d, 0);
    RS_MD5_16_STEPS(RS_MD5_STEP, RS_MD5_G, a, b, c, d, 16);
    RS_MD5_16_STEPS(RS_MD5_STEP, RS_MD5_H, a, b, c, d, 32);
    RS_MD5_16_STEPS(RS_MD5_STEP, RS_MD5_I, a, b, c, d, 48);
#undef RS_MD5_I
#undef RS_MD5_H
#undef RS_MD5_G
#undef RS_MD5_F
#undef RS_MD5_STEP
#undef RS_MD5_OP
    const __m256i sums[2][4] = {{a0, b0, c0, d0}, {a1, b1, c1, d1}};
    for (int g = 0; g < 2; ++g) {
      // Lanes whose input has no block `index` keep their state.
      const __m256i live = _mm256_load_si256(reinterpret_cast<const __m256i*>(active[g]));
      a[g] = _mm256_blendv_epi8(a[g], _mm256_add_epi32(a[g], sums[g][0]), live);
      b[g] = _mm256_blendv_epi8(b[g], _mm256_add_epi32(b[g], sums[g][1]), live);
      c[g] = _mm256_blendv_epi8(c[g], _mm256_add_epi32(c[g], sums[g][2]), live);
      d[g] = _mm256_blendv_epi8(d[g], _mm256_add_epi32(d[g], sums[g][3]), live);
    }
  }
  alignas(32) uint32_t state[2][4][8];
  for (int g = 0; g < 2; ++g) {
    _mm256_store_si256(reinterpret_cast<__m256i*>(state[g][0]), a[g]);
    _mm256_store_si256(reinterpret_cast<__m256i*>(state[g][1]), b[g]);
    _mm256_store_si256(reinterpret_cast<__m256i*>(state[g][2]), c[g]);
    _mm256_store_si256(reinterpret_cast<__m256i*>(state[g][3]), d[g]);
  }
  for (int l = 0; l < count; ++l) {
    for (int w = 0; w < 4; ++w) {
      std::memcpy(digests[l] + 4 * w, &state[l / 8][w][l % 8], 4);  // little endian
    }
  }
}

// GCC 12's AVX-512 intrinsics pass an "undefined" register as the masked-off source of unpack and
// shuffle, which -Wmaybe-uninitialized reports at every call (GCC bug 105593). Clang has no such
// warning and, under -Werror, rejects the unknown name: GCC only.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

// The 16 blocks at `rows` (one lane each, 16 words per block) turned so that word j of every
// lane is in `m[j]`, lane l in element l: a 16x16 transpose of 32-bit elements in 64 shuffles.
__attribute__((target("avx512f"), always_inline)) inline void LoadTransposed(
    const unsigned char* const* rows, __m512i* m) {
  __m512i r[16];
  for (int l = 0; l < 16; ++l) r[l] = _mm512_loadu_si512(rows[l]);
  __m512i t[16];
  for (int i = 0; i < 16; i += 2) {  // pairs of rows, words interleaved
    t[i] = _mm512_unpacklo_epi32(r[i], r[i + 1]);
    t[i + 1] = _mm512_unpackhi_epi32(r[i], r[i + 1]);
  }
  __m512i u[16];  // u[4g + e], 128-bit part k: rows 4g..4g+3, word 4k+e
  for (int g = 0; g < 4; ++g) {
    u[4 * g + 0] = _mm512_unpacklo_epi64(t[4 * g], t[4 * g + 2]);
    u[4 * g + 1] = _mm512_unpackhi_epi64(t[4 * g], t[4 * g + 2]);
    u[4 * g + 2] = _mm512_unpacklo_epi64(t[4 * g + 1], t[4 * g + 3]);
    u[4 * g + 3] = _mm512_unpackhi_epi64(t[4 * g + 1], t[4 * g + 3]);
  }
  for (int e = 0; e < 4; ++e) {  // a 4x4 transpose of 128-bit parts
    const __m512i v0 = _mm512_shuffle_i32x4(u[e], u[4 + e], _MM_SHUFFLE(1, 0, 1, 0));
    const __m512i v1 = _mm512_shuffle_i32x4(u[e], u[4 + e], _MM_SHUFFLE(3, 2, 3, 2));
    const __m512i v2 = _mm512_shuffle_i32x4(u[8 + e], u[12 + e], _MM_SHUFFLE(1, 0, 1, 0));
    const __m512i v3 = _mm512_shuffle_i32x4(u[8 + e], u[12 + e], _MM_SHUFFLE(3, 2, 3, 2));
    m[e] = _mm512_shuffle_i32x4(v0, v2, _MM_SHUFFLE(2, 0, 2, 0));
    m[4 + e] = _mm512_shuffle_i32x4(v0, v2, _MM_SHUFFLE(3, 1, 3, 1));
    m[8 + e] = _mm512_shuffle_i32x4(v1, v3, _MM_SHUFFLE(2, 0, 2, 0));
    m[12 + e] = _mm512_shuffle_i32x4(v1, v3, _MM_SHUFFLE(3, 1, 3, 1));
  }
}

// As Md5LanesAvx2, with the 16 lanes in one AVX-512 register: a rotate is one instruction
// (vprold) and each round function one (vpternlogd), so a step is 6 operations instead of 11 per
// group of 8, and blocks are transposed with shuffles instead of 4-byte copies.
__attribute__((target("avx512f"))) void Md5LanesAvx512(const std::string_view* inputs, int count,
                                                       unsigned char (*digests)[16]) {
  size_t blocks[kLanes] = {};
  const size_t max_blocks = CountPaddedBlocks(inputs, count, blocks);
  __m512i a = _mm512_set1_epi32(0x67452301);
  __m512i b = _mm512_set1_epi32(static_cast<int>(0xefcdab89));
  __m512i c = _mm512_set1_epi32(static_cast<int>(0x98badcfe));
  __m512i d = _mm512_set1_epi32(0x10325476);
  alignas(64) static constexpr unsigned char kZeros[kBlock] = {};
  alignas(64) unsigned char tails[kLanes][kBlock];
  const unsigned char* rows[kLanes];
  for (size_t index = 0; index < max_blocks; ++index) {
    __mmask16 live = 0;
    for (int l = 0; l < kLanes; ++l) {
      if (l >= count || index >= blocks[l]) {
        rows[l] = kZeros;
        continue;
      }
      live = static_cast<__mmask16>(live | (1u << l));
      if ((index + 1) * kBlock <= inputs[l].size()) {
        rows[l] = reinterpret_cast<const unsigned char*>(inputs[l].data()) + index * kBlock;
      } else {
        PaddedBlock(inputs[l], index, tails[l]);
        rows[l] = tails[l];
      }
    }
    __m512i m[16];
    LoadTransposed(rows, m);
    __m512i aa = a, bb = b, cc = c, dd = d;
    // Round functions as vpternlogd truth tables over (x, y, z) = (0xf0, 0xcc, 0xaa):
    // F = x ? y : z (0xca), G = z ? x : y (0xe4), H = x ^ y ^ z (0x96), I = y ^ (x | ~z) (0x39).
#define RS_MD5_STEP(table, w, x, y, z, step)                                                    \
  w = _mm512_add_epi32(                                                                         \
      x, _mm512_rol_epi32(                                                                      \
             _mm512_add_epi32(_mm512_add_epi32(w, _mm512_ternarylogic_epi32(x, y, z, table)),   \
                              _mm512_add_epi32(m[WordIndex(step)],                              \
                                               _mm512_set1_epi32(static_cast<int>(kK[step])))), \
             kShift[step]))
    RS_MD5_16_STEPS(RS_MD5_STEP, 0xca, aa, bb, cc, dd, 0);
    RS_MD5_16_STEPS(RS_MD5_STEP, 0xe4, aa, bb, cc, dd, 16);
    RS_MD5_16_STEPS(RS_MD5_STEP, 0x96, aa, bb, cc, dd, 32);
    RS_MD5_16_STEPS(RS_MD5_STEP, 0x39, aa, bb, cc, dd, 48);
#undef RS_MD5_STEP
    // Lanes whose input has no block `index` keep their state.
    a = _mm512_mask_add_epi32(a, live, a, aa);
    b = _mm512_mask_add_epi32(b, live, b, bb);
    c = _mm512_mask_add_epi32(c, live, c, cc);
    d = _mm512_mask_add_epi32(d, live, d, dd);
  }
  alignas(64) uint32_t state[4][kLanes];
  _mm512_store_si512(state[0], a);
  _mm512_store_si512(state[1], b);
  _mm512_store_si512(state[2], c);
  _mm512_store_si512(state[3], d);
  for (int l = 0; l < count; ++l) {
    for (int w = 0; w < 4; ++w) std::memcpy(digests[l] + 4 * w, &state[w][l], 4);  // little endian
  }
}

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

#endif

}  // namespace

bool Md5LanesSupported(Md5LaneKind kind) {
  switch (kind) {
    case Md5LaneKind::kOneByOne:
      return true;
#if defined(__x86_64__)
    case Md5LaneKind::kAvx2:
      return __builtin_cpu_supports("avx2");
    case Md5LaneKind::kAvx512:
      return __builtin_cpu_supports("avx512f");
#else
    default:
      return false;
#endif
  }
  return false;
}

Md5LaneKind BestMd5Lanes() {
  static const Md5LaneKind best = Md5LanesSupported(Md5LaneKind::kAvx512) ? Md5LaneKind::kAvx512
                                  : Md5LanesSupported(Md5LaneKind::kAvx2) ? Md5LaneKind::kAvx2
                                                                          : Md5LaneKind::kOneByOne;
  return best;
}

std::vector<FixedText<32>> Md5HexTextMany(const std::vector<std::string_view>& inputs) {
  return Md5HexTextMany(inputs, BestMd5Lanes());
}

std::vector<FixedText<32>> Md5HexTextMany(const std::vector<std::string_view>& inputs,
                                          Md5LaneKind kind) {
  std::vector<FixedText<32>> out;
  out.reserve(inputs.size());
#if defined(__x86_64__)
  // One input gains nothing from the lanes; OpenSSL's single-stream assembly is faster.
  if (kind != Md5LaneKind::kOneByOne && inputs.size() > 1) {
    for (size_t first = 0; first < inputs.size(); first += kLanes) {
      const int count = static_cast<int>(std::min<size_t>(kLanes, inputs.size() - first));
      unsigned char digests[kLanes][16];
      if (kind == Md5LaneKind::kAvx512) {
        Md5LanesAvx512(inputs.data() + first, count, digests);
      } else {
        Md5LanesAvx2(inputs.data() + first, count, digests);
      }
      for (int l = 0; l < count; ++l) {
        HexEncodeTo(std::string_view(reinterpret_cast<char*>(digests[l]), 16),
                    out.emplace_back().chars.data());
      }
    }
    return out;
  }
#endif
  for (std::string_view input : inputs) out.push_back(Md5HexText(input));
  return out;
}

#undef RS_MD5_16_STEPS

}  // namespace roadsense
