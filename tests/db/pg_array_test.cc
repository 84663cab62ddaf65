#include "db/pg_array.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace roadsense::db
