#include "db/pg_array.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace roadsense::db {
namespace {

TEST(PgArrayLiteral, IntegersAreCommaSeparatedInBraces) {
  EXPECT_EQ(PgArrayLiteral(std::vector<int64_t>{1, -2, 300}), "{1,-2,300}");
}

TEST(PgArrayLiteral, EmptyArrayIsEmptyBraces) {
  EXPECT_EQ(PgArrayLiteral(std::vector<int64_t>{}), "{}");
}

TEST(PgArrayLiteral, MissingValuesBecomeNull) {
  EXPECT_EQ(PgArrayLiteral(std::vector<std::optional<int64_t>>{5, std::nullopt}), "{5,NULL}");
}

TEST(PgArrayLiteral, DoublesRoundTrip) {
  EXPECT_EQ(PgArrayLiteral(std::vector<double>{0.1, 225000000}), "{0.1,2.25e+08}");
}

TEST(PgArrayLiteral, TextIsQuotedAndEscaped) {
  EXPECT_EQ(PgArrayLiteral(std::vector<std::string>{"a b", "NULL", "q\"\\", ""}),
            R"({"a b","NULL","q\"\\",""})");
}

// array_send's layout: ndim, has-nulls flag, element type OID, (length, lower bound) per dimension,
// then (byte length or -1 for NULL, big-endian value) per element.
TEST(PgBinaryArray, IntegersAreBigEndianWithHeader) {
  const std::string expected(
      "\0\0\0\1"                  // one dimension
      "\0\0\0\1"                  // has NULLs
      "\0\0\0\x17"                // int4 (OID 23)
      "\0\0\0\2"                  // two elements
      "\0\0\0\1"                  // lower bound 1
      "\0\0\0\4\xff\xff\xff\xfe"  // -2
      "\xff\xff\xff\xff",         // NULL
      32);
  EXPECT_EQ(
      PgBinaryArray(std::vector<std::optional<int64_t>>{-2, std::nullopt}, PgIntType::kInteger),
      expected);
}

TEST(PgBinaryArray, WidthFollowsTheElementType) {
  const std::vector<int64_t> one{1};
  EXPECT_EQ(PgBinaryArray(one, PgIntType::kSmallint).size(), 20u + 4 + 2);
  EXPECT_EQ(PgBinaryArray(one, PgIntType::kInteger).size(), 20u + 4 + 4);
  EXPECT_EQ(PgBinaryArray(one, PgIntType::kBigint).size(), 20u + 4 + 8);
  EXPECT_EQ(PgBinaryArray(one, PgIntType::kSmallint).substr(8, 4), std::string("\0\0\0\x15", 4));
  EXPECT_EQ(PgBinaryArray(one, PgIntType::kBigint).substr(8, 4), std::string("\0\0\0\x14", 4));
}

TEST(PgBinaryArray, EmptyArrayHasNoDimensions) {
  EXPECT_EQ(PgBinaryArray(std::vector<int64_t>{}, PgIntType::kBigint),
            std::string("\0\0\0\0\0\0\0\0\0\0\0\x14", 12));
}

TEST(PgBinaryArray, ValuesOutsideTheElementTypeAreRejected) {
  EXPECT_THROW(PgBinaryArray(std::vector<int64_t>{32768}, PgIntType::kSmallint), std::out_of_range);
  EXPECT_THROW(PgBinaryArray(std::vector<int64_t>{-2147483649}, PgIntType::kInteger),
               std::out_of_range);
  EXPECT_NO_THROW(PgBinaryArray(std::vector<int64_t>{-32768, 32767}, PgIntType::kSmallint));
}

TEST(PgBinaryArray, DoublesAreTheirIeeeBits) {
  EXPECT_EQ(PgBinaryArray(std::vector<double>{1.0}).substr(20),
            std::string("\0\0\0\x08\x3f\xf0\0\0\0\0\0\0", 12));
}

TEST(PgBinaryByteaArray, BytesAreRawAndMissingOnesNull) {
  const std::string out = PgBinaryByteaArray(
      std::vector<std::optional<std::string>>{std::string("\0\x01", 2), std::nullopt});
  EXPECT_EQ(out.substr(4, 8), std::string("\0\0\0\1\0\0\0\x11", 8));  // NULLs; bytea (17)
  EXPECT_EQ(out.substr(20), std::string("\0\0\0\2\0\x01\xff\xff\xff\xff", 10));
}

TEST(PgBinaryTextArray, StringsAreLengthAndRawBytesOfTypeText) {
  const std::string out = PgBinaryTextArray({"ab", ""});
  EXPECT_EQ(out.substr(0, 20),
            std::string("\0\0\0\1\0\0\0\0\0\0\0\x19\0\0\0\2\0\0\0\1", 20));  // text (25)
  EXPECT_EQ(out.substr(20), std::string("\0\0\0\2ab\0\0\0\0", 10));
}

}  // namespace
}  // namespace roadsense::db
