#include "tests/sqs/sigv4_test_vectors.h"

#include <boost/json.hpp>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iomanip>
#include <sstream>

namespace roadsense::sqs::testing {

namespace fs = std::filesystem;

fs::path SigV4VectorDir() {
  const char* source = std::getenv("ROADSENSE_SOURCE_DIR");
  return fs::path(source ? source : ROADSENSE_DEFAULT_SOURCE_DIR) / ".." / "shared" / "ref" /
         "sigv4-test-suite";
}

std::string ReadVectorFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

net::HttpRequest ParseVectorRequest(const std::string& text) {
  net::HttpRequest request;
  std::istringstream in(text);
  std::string line;
  std::getline(in, line);
  const size_t first = line.find(' ');
  const size_t last = line.rfind(" HTTP/");
  request.method = line.substr(0, first);
  request.target = line.substr(first + 1, last - first - 1);
  while (std::getline(in, line) && !line.empty()) {
    if (line[0] == ' ' || line[0] == '\t') {
      request.headers.back().second += "\n" + line;
      continue;
    }
    const size_t colon = line.find(':');
    request.headers.emplace_back(line.substr(0, colon), line.substr(colon + 1));
  }
  std::ostringstream body;
  body << in.rdbuf();
  request.body = body.str();
  return request;
}

SigV4Vector LoadSigV4Vector(const std::string& name) {
  SigV4Vector v;
  v.name = name;
  v.dir = SigV4VectorDir() / name;
  const auto context = boost::json::parse(v.File("context.json")).as_object();
  const auto& creds = context.at("credentials").as_object();
  v.omit_session_token =
      context.contains("omit_session_token") && context.at("omit_session_token").as_bool();
  v.session_token = creds.contains("token") ? std::string(creds.at("token").as_string()) : "";
  v.options.access_key_id = creds.at("access_key_id").as_string();
  v.options.secret_access_key = creds.at("secret_access_key").as_string();
  v.options.session_token = v.omit_session_token ? "" : v.session_token;
  v.options.region = context.at("region").as_string();
  v.options.service = context.at("service").as_string();
  v.options.add_content_sha256 = context.at("sign_body").as_bool();
  v.options.normalize_path = context.at("normalize").as_bool();
  v.expires = std::chrono::seconds(context.at("expiration_in_seconds").to_number<int64_t>());
  std::tm tm{};
  std::istringstream(std::string(context.at("timestamp").as_string())) >>
      std::get_time(&tm, "%Y-%m-%dT%H:%M:%SZ");
  v.time = std::chrono::system_clock::from_time_t(timegm(&tm));
  return v;
}

const std::vector<const char*>& SigV4VectorNames() {
  static const std::vector<const char*> kNames = {
      "get-header-key-duplicate",
      "get-header-value-multiline",
      "get-header-value-order",
      "get-header-value-trim",
      "get-relative-normalized",
      "get-relative-relative-normalized",
      "get-relative-relative-unnormalized",
      "get-relative-unnormalized",
      "get-slash-dot-slash-normalized",
      "get-slash-dot-slash-unnormalized",
      "get-slash-normalized",
      "get-slash-pointless-dot-normalized",
      "get-slash-pointless-dot-unnormalized",
      "get-slash-unnormalized",
      "get-slashes-normalized",
      "get-slashes-unnormalized",
      "get-space-normalized",
      "get-space-unnormalized",
      "get-unreserved",
      "get-utf8",
      "get-vanilla",
      "get-vanilla-empty-query-key",
      "get-vanilla-query",
      "get-vanilla-query-order-encoded",
      "get-vanilla-query-order-key-case",
      "get-vanilla-query-unreserved",
      "get-vanilla-utf8-query",
      "get-vanilla-with-session-token",
      "post-header-key-case",
      "post-header-key-sort",
      "post-header-value-case",
      "post-sts-header-after",
      "post-sts-header-before",
      "post-vanilla",
      "post-vanilla-empty-query-value",
      "post-vanilla-query",
      "post-x-www-form-urlencoded",
      "post-x-www-form-urlencoded-parameters",
  };
  return kNames;
}

std::string SigV4VectorTestName(const char* name) {
  std::string out = name;
  for (char& c : out) {
    if (c == '-') c = '_';
  }
  return out;
}

}  // namespace roadsense::sqs::testing
