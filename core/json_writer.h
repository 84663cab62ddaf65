// JsonWriter: appends compact JSON text to a string, for request bodies built on hot paths
// without an intermediate document tree (one append per token instead of a node allocation per
// value plus a serialization pass).
//
// Strings are escaped as RFC 8259 requires and as boost::json::serialize does: '"' and '\\'
// with a backslash, the control characters U+0000..U+001F as \b \t \n \f \r or \u00XX; every
// other byte (UTF-8 sequences included) is copied unchanged. The caller produces a well-formed
// document: Key() only directly inside an object, one value after each key. Not thread-safe;
// the writer borrows `out`, which must outlive it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace roadsense {

// Appends `text` as a quoted, escaped JSON string.
void AppendJsonString(std::string* out, std::string_view text);

class JsonWriter {
 public:
  explicit JsonWriter(std::string* out) : out_(out) {}

  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();
  JsonWriter& Key(std::string_view name);
  JsonWriter& String(std::string_view value);
  JsonWriter& Int(int64_t value);
  JsonWriter& Bool(bool value);

  // Key(name) followed by the value.
  JsonWriter& Field(std::string_view name, std::string_view value) {
    return Key(name).String(value);
  }
  JsonWriter& Field(std::string_view name, int64_t value) { return Key(name).Int(value); }

 private:
  // A ',' before a value or key unless it is the first in its container or follows a key.
  void Separate();

  std::string* out_;
  bool need_comma_ = false;
};

}  // namespace roadsense
