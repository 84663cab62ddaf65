#include "receiver/error_response.h"

#include <boost/json.hpp>

namespace roadsense::receiver {

net::HttpResponse ErrorResponse(int status, std::string_view code, std::string_view message,
                                const std::vector<std::string>& details) {
  boost::json::object body;
  body["error"] = code;
  body["message"] = message;
  if (!details.empty()) {
    boost::json::array list;
    for (const std::string& d : details) list.emplace_back(d);
    body["details"] = std::move(list);
  }
  net::HttpResponse response = net::HttpResponse::Json(status, boost::json::serialize(body));
  // Overload and queue trouble are transient: tell the car when to retry.
  if (status == 503) response.SetHeader("Retry-After", "1");
  return response;
}

}  // namespace roadsense::receiver
