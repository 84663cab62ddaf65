#include "core/text_lines.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace roadsense {
namespace {

TEST(TextLinesTest, VisitsNumberedLinesWithoutLineEndings) {
  std::vector<std::pair<size_t, std::string>> seen;
  const Status s = ForEachLine("a\r\n\nb c\nlast", [&](size_t n, std::string_view line) {
    seen.emplace_back(n, std::string(line));
    return Status::Ok();
  });
  ASSERT_TRUE(s.ok());
  const std::vector<std::pair<size_t, std::string>> want = {
      {1, "a"}, {2, ""}, {3, "b c"}, {4, "last"}};
  EXPECT_EQ(seen, want);
}

TEST(TextLinesTest, StopsAtTheFirstError) {
  int visits = 0;
  const Status s = ForEachLine("1\n2\n3\n", [&](size_t n, std::string_view) {
    ++visits;
    return n == 2 ? InvalidArgument("line 2") : Status::Ok();
  });
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(visits, 2);
}

TEST(TextLinesTest, SplitsFieldsOnSpacesAndTabs) {
  const std::vector<std::string_view> fields = SplitFields("  a\tbb   c ");
  EXPECT_EQ(fields, (std::vector<std::string_view>{"a", "bb", "c"}));
  EXPECT_TRUE(SplitFields(" \t ").empty());
}

}  // namespace
}  // namespace roadsense
