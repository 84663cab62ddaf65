// FixedText<N>: exactly N characters held by value — the text form of a fixed-size value (a
// message id, a receipt handle) that hot paths write into a response or header without the heap
// allocation a std::string of more than 15 characters costs.
#pragma once

#include <algorithm>
#include <array>
#include <cassert>
#include <cstddef>
#include <string>
#include <string_view>

namespace roadsense {

template <size_t N>
struct FixedText {
  std::array<char, N> chars{};

  // `text` must be exactly N characters.
  static FixedText Of(std::string_view text) {
    assert(text.size() == N);
    FixedText fixed;
    std::copy_n(text.data(), N, fixed.chars.data());
    return fixed;
  }

  std::string_view view() const { return {chars.data(), N}; }
  std::string str() const { return std::string(view()); }
  friend bool operator==(const FixedText&, const FixedText&) = default;
};

}  // namespace roadsense
