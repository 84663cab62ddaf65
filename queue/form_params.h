// FormParams: the name/value pairs of an application/x-www-form-urlencoded body or a URL query
// string, in order, percent-decoded ('+' is a space). The SQS Query protocol sends its whole
// request this way.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace roadsense::queue {

using FormParams = std::vector<std::pair<std::string, std::string>>;

// Appends the pairs of `text` ("a=1&b=x%20y") to *out. A pair without '=' has an empty value;
// empty pairs ("a=1&&b=2") are skipped. InvalidArgument on a malformed %-escape.
Status ParseFormParams(std::string_view text, FormParams* out);

// The first value of `name`, or nullptr.
const std::string* FindFormParam(const FormParams& params, std::string_view name);

}  // namespace roadsense::queue
