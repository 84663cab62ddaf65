// The public AWS SigV4 test vectors (awslabs/aws-c-auth tests/aws-signing-test-suite/v4, Apache
// License 2.0) as test data for the signer and the verifier. They live in
// shared/ref/sigv4-test-suite, a sibling of the repository checkout (see its SOURCE.md); tests
// skip when it is absent.
//
// Each case folder holds request.txt (the unsigned request), context.json (credentials, region,
// service, time, options) and, for the header and the presigned-query form, the canonical request,
// string to sign, signature and signed request.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "net/http_message.h"
#include "sqs/sigv4_signer.h"

namespace roadsense::sqs::testing {

std::filesystem::path SigV4VectorDir();
std::string ReadVectorFile(const std::filesystem::path& path);

// request.txt / *-signed-request.txt: "METHOD target HTTP/1.1", "Name:value" lines (a line starting
// with whitespace continues the previous value), a blank line, the body.
net::HttpRequest ParseVectorRequest(const std::string& text);

struct SigV4Vector {
  std::string name;
  std::filesystem::path dir;
  SigV4SignerOptions options;  // credentials, region, service, sign_body, normalize
  std::string session_token;   // the context's token, also when omit_session_token
  bool omit_session_token = false;
  std::chrono::system_clock::time_point time;
  std::chrono::seconds expires{0};

  std::string File(const std::string& file) const { return ReadVectorFile(dir / file); }
};

SigV4Vector LoadSigV4Vector(const std::string& name);

// Every case of the suite.
const std::vector<const char*>& SigV4VectorNames();

// gtest parameter name: '-' → '_'.
std::string SigV4VectorTestName(const char* name);

}  // namespace roadsense::sqs::testing
