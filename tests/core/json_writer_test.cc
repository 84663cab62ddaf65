#include "core/json_writer.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <random>
#include <string>

namespace roadsense {
namespace {

std::string Quoted(std::string_view text) {
  std::string out;
  AppendJsonString(&out, text);
  return out;
}

TEST(JsonWriter, EscapesQuoteBackslashAndControlCharacters) {
  EXPECT_EQ(Quoted("a\"b\\c"), R"("a\"b\\c")");
  EXPECT_EQ(Quoted("\b\f\n\r\t"), R"("\b\f\n\r\t")");
  EXPECT_EQ(Quoted(std::string_view("\0\x01\x1f", 3)), R"("\u0000\u0001\u001f")");
}

TEST(JsonWriter, CopiesSlashDelAndUtf8Unchanged) {
  EXPECT_EQ(Quoted("/\x7f\xc3\xa9\xf0\x9f\x9a\x97"), "\"/\x7f\xc3\xa9\xf0\x9f\x9a\x97\"");
}

TEST(JsonWriter, EveryByteSerializesAsBoostJsonDoes) {
  for (int c = 0; c < 256; ++c) {
    const std::string text = "x" + std::string(1, static_cast<char>(c)) + "y";
    EXPECT_EQ(Quoted(text), boost::json::serialize(boost::json::value(text))) << "byte " << c;
  }
}

TEST(JsonWriter, EveryByteAtEveryPositionOfALongStringSerializesAsBoostJsonDoes) {
  // Long runs take the sixteen- and eight-bytes-at-a-time scans; the byte under test lands in
  // every position of a chunk, in the eight-byte tail, and at the start and end of the string.
  for (int c = 0; c < 256; ++c) {
    for (size_t at = 0; at < 45; ++at) {
      std::string text(45, 'a');
      text[at] = static_cast<char>(c);
      ASSERT_EQ(Quoted(text), boost::json::serialize(boost::json::value(text)))
          << "byte " << c << " at " << at;
    }
  }
}

TEST(JsonWriter, RandomStringsRoundTripThroughAParser) {
  std::mt19937 rng(7);
  for (int i = 0; i < 200; ++i) {
    std::string text(rng() % 300, '\0');
    for (char& c : text) c = static_cast<char>(rng() % 128);  // ASCII: valid UTF-8 throughout
    const boost::json::value parsed = boost::json::parse(Quoted(text));
    ASSERT_TRUE(parsed.is_string());
    EXPECT_EQ(std::string_view(parsed.get_string()), text);
  }
}

TEST(JsonWriter, WritesNestedObjectsAndArraysWithCommasOnlyBetweenItems) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject().Field("QueueUrl", "u").Key("Entries").BeginArray();
  w.BeginObject().Field("Id", "0").Field("DelaySeconds", 5).EndObject();
  w.BeginObject().Field("Id", "1").EndObject();
  w.EndArray().Key("Empty").BeginArray().EndArray().Key("Names").BeginArray();
  w.String("a").String("b").EndArray().Field("N", -12).EndObject();
  EXPECT_EQ(out, R"({"QueueUrl":"u","Entries":[{"Id":"0","DelaySeconds":5},{"Id":"1"}],)"
                 R"("Empty":[],"Names":["a","b"],"N":-12})");
  EXPECT_NO_THROW(boost::json::parse(out));
}

TEST(JsonWriter, WritesBooleansAsBoostJsonDoes) {
  std::string out;
  JsonWriter(&out)
      .BeginObject()
      .Key("Yes")
      .Bool(true)
      .Key("No")
      .Bool(false)
      .Key("List")
      .BeginArray()
      .Bool(false)
      .Bool(true)
      .EndArray()
      .EndObject();
  EXPECT_EQ(out, boost::json::serialize(boost::json::object{
                     {"Yes", true}, {"No", false}, {"List", boost::json::array{false, true}}}));
}

TEST(JsonWriter, AppendsToExistingText) {
  std::string out = "prefix ";
  JsonWriter(&out).BeginObject().EndObject();
  EXPECT_EQ(out, "prefix {}");
}

}  // namespace
}  // namespace roadsense
