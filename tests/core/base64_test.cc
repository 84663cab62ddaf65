#include "core/base64.h"

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace roadsense {
namespace {

TEST(Base64, EncodesRfc4648Vectors) {
  EXPECT_EQ(Base64Encode(""), "");
  EXPECT_EQ(Base64Encode("f"), "Zg==");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(Base64Encode("foo"), "Zm9v");
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
}

TEST(Base64, RoundTripsAllByteValues) {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes += static_cast<char>(i);
  for (size_t n = 0; n <= bytes.size(); n += 37) {
    auto decoded = Base64Decode(Base64Encode(bytes.substr(0, n)));
    ASSERT_TRUE(decoded.has_value());
    EXPECT_EQ(*decoded, bytes.substr(0, n));
  }
}

TEST(Base64, RejectsMalformedInput) {
  EXPECT_FALSE(Base64Decode("Zg=").has_value());       // bad length
  EXPECT_FALSE(Base64Decode("Z!==").has_value());      // bad character
  EXPECT_FALSE(Base64Decode("Zg==Zg==").has_value());  // padding in the middle
  EXPECT_FALSE(Base64Decode("Zm=v").has_value());      // '=' inside the last quad
  EXPECT_FALSE(Base64Decode("Z===").has_value());      // three padding characters
  EXPECT_FALSE(Base64Decode("====").has_value());
  EXPECT_FALSE(Base64Decode("Zm9vZ!8=").has_value());  // bad character before a padded quad
}

TEST(Base64, DecodesRfc4648VectorsAtEveryPadding) {
  EXPECT_EQ(Base64Decode(""), std::string());
  EXPECT_EQ(Base64Decode("Zg=="), "f");
  EXPECT_EQ(Base64Decode("Zm8="), "fo");
  EXPECT_EQ(Base64Decode("Zm9v"), "foo");
  EXPECT_EQ(Base64Decode("Zm9vYg=="), "foob");
  EXPECT_EQ(Base64Decode("Zm9vYmE="), "fooba");
  EXPECT_EQ(Base64Decode("Zm9vYmFy"), "foobar");
}

TEST(Base64, EncodesIntoABufferOfItsEncodedSize) {
  char out[8];
  ASSERT_EQ(Base64EncodedSize(4), 8u);
  Base64EncodeTo("foob", out);
  EXPECT_EQ(std::string_view(out, 8), "Zm9vYg==");
}

TEST(Base64, DecodesIntoABufferOnlyWhatFits) {
  char out[4];
  EXPECT_EQ(Base64DecodeTo("Zm9vYg==", out, sizeof(out)), 4u);
  EXPECT_EQ(std::string_view(out, 4), "foob");
  EXPECT_FALSE(Base64DecodeTo("Zm9vYmE=", out, sizeof(out)).has_value());  // 5 bytes
  EXPECT_FALSE(Base64DecodeTo("Zm9=Yg==", out, sizeof(out)).has_value());  // malformed
  EXPECT_EQ(Base64DecodeTo("", out, 0), 0u);
}

TEST(Base64, DecodesIntoAReusedStringReplacingItsContents) {
  std::string out = "stale contents that are longer than any result below";
  ASSERT_TRUE(Base64DecodeInto("Zm9vYmFy", &out));
  EXPECT_EQ(out, "foobar");
  const char* buffer = out.data();
  ASSERT_TRUE(Base64DecodeInto("Zm9vYg==", &out));  // shorter: same buffer, no stale tail
  EXPECT_EQ(out, "foob");
  EXPECT_EQ(out.data(), buffer);
  ASSERT_TRUE(Base64DecodeInto("Zm9vYmFy", &out));  // longer again, within the capacity
  EXPECT_EQ(out, "foobar");
  EXPECT_EQ(out.data(), buffer);
  ASSERT_TRUE(Base64DecodeInto("", &out));
  EXPECT_EQ(out, "");
  std::string long_text;
  for (int i = 0; i < 1000; ++i) long_text += "QUJD";  // "ABC" x 1000: the buffer grows
  ASSERT_TRUE(Base64DecodeInto(long_text, &out));
  EXPECT_EQ(out.size(), 3000u);
  EXPECT_EQ(out.substr(2997), "ABC");
  EXPECT_FALSE(Base64DecodeInto("Zm9=Yg==", &out));  // malformed
  EXPECT_EQ(out, "");
  EXPECT_FALSE(Base64DecodeInto("Zm9vY", &out));  // not a multiple of 4
  EXPECT_EQ(out, "");
}

// Decodes `text` with `kernel` into a buffer of exactly the decoded size (so a kernel that wrote
// past it fails under ASan) and returns the bytes, or nullopt.
std::optional<std::string> DecodeWith(std::string_view text, Base64Kernel kernel) {
  const size_t size = text.size() / 4 * 3;
  auto buffer = std::make_unique<char[]>(size + 1);
  std::optional<size_t> n = Base64DecodeTo(text, buffer.get(), size, kernel);
  if (!n) return std::nullopt;
  return std::string(buffer.get(), *n);
}

std::vector<Base64Kernel> SupportedKernels() {
  std::vector<Base64Kernel> kernels;
  for (Base64Kernel k : {Base64Kernel::kAvx2, Base64Kernel::kTable}) {
    if (Base64KernelSupported(k)) kernels.push_back(k);
  }
  return kernels;
}

TEST(Base64, EveryKernelDecodesEveryLengthAsTheTableDoes) {
  std::mt19937_64 rng(7);
  for (size_t n = 0; n < 400; ++n) {
    std::string bytes(n, '\0');
    for (char& c : bytes) c = static_cast<char>(rng());
    const std::string text = Base64Encode(bytes);
    for (Base64Kernel k : SupportedKernels()) {
      EXPECT_EQ(DecodeWith(text, k), bytes) << "n=" << n << " kernel=" << static_cast<int>(k);
    }
  }
}

TEST(Base64, EveryKernelRejectsEveryNonAlphabetByteAtEveryPosition) {
  // 96 characters: the register kernel decodes the first 64 in two blocks, the table the rest.
  std::string bytes(72, '\0');
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>(i * 37 + 11);
  const std::string text = Base64Encode(bytes);
  ASSERT_EQ(text.size(), 96u);
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (Base64Kernel k : SupportedKernels()) {
    for (size_t pos = 0; pos < text.size(); ++pos) {
      for (int c = 0; c < 256; ++c) {
        std::string changed = text;
        changed[pos] = static_cast<char>(c);
        // '=' last is padding: the input is then valid and one byte shorter.
        const bool valid = alphabet.find(static_cast<char>(c)) != std::string::npos ||
                           (c == '=' && pos + 1 == text.size());
        const std::optional<std::string> decoded = DecodeWith(changed, k);
        ASSERT_EQ(decoded.has_value(), valid)
            << "pos=" << pos << " byte=" << c << " kernel=" << static_cast<int>(k);
        if (valid) {
          ASSERT_EQ(decoded, DecodeWith(changed, Base64Kernel::kTable));
        }
      }
    }
  }
}

TEST(Base64, EveryKernelLeavesTheBufferPastTheDecodedBytesAlone) {
  const std::string bytes(300, 'x');
  const std::string text = Base64Encode(bytes);
  for (Base64Kernel k : SupportedKernels()) {
    std::string out(400, '#');
    ASSERT_EQ(Base64DecodeTo(text, out.data(), out.size(), k), bytes.size());
    EXPECT_EQ(out.substr(0, 300), bytes);
    EXPECT_EQ(out.substr(300), std::string(100, '#'));
  }
}

}  // namespace
}  // namespace roadsense
