// Md5HexTextMany: the MD5 digests of several inputs at once. SQS verifies a digest per message body
// (sent and received), ten per batch; hashing eight bodies side by side in the lanes of AVX2
// registers costs about what hashing two does one at a time, since one MD5 stream is a chain of
// dependent 32-bit operations that leaves most of a core idle.
//
// Results equal Md5Hex() of each input (tested against it for every length class). With AVX-512
// the 16 lanes fit one register, whose rotate and three-input logic instructions make a step
// about half the instructions; without AVX2 the inputs are hashed one by one. Thread-safe;
// allocates only the results.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/fixed_text.h"

namespace roadsense {

// Lowercase hex MD5 of each input, in input order, with BestMd5Lanes(); by value, without a
// string per digest.
std::vector<FixedText<32>> Md5HexTextMany(const std::vector<std::string_view>& inputs);

// How the inputs are hashed: 16 lanes in one AVX-512 register, in two AVX2 registers, or one by
// one (OpenSSL). Exposed so that tests check every kind this CPU can run.
enum class Md5LaneKind { kAvx512, kAvx2, kOneByOne };
bool Md5LanesSupported(Md5LaneKind kind);
Md5LaneKind BestMd5Lanes();  // the fastest supported
// Md5HexTextMany with `kind`, which must be supported.
std::vector<FixedText<32>> Md5HexTextMany(const std::vector<std::string_view>& inputs,
                                          Md5LaneKind kind);

}  // namespace roadsense
