// The receiver's error body, shared by every non-2xx answer:
//   {"error": "<code>", "message": "<one sentence>", "details": ["path: problem", ...]}
// `details` is present only when there are details. See receiver/README.md for the codes.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "net/http_message.h"

namespace roadsense::receiver {

net::HttpResponse ErrorResponse(int status, std::string_view code, std::string_view message,
                                const std::vector<std::string>& details = {});

}  // namespace roadsense::receiver
