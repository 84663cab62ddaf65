// libFuzzer target: SigV4 request authentication as roadsense-queue runs it —
// queue/sigv4_authenticator.h over sqs/sigv4_verifier.h: Authorization header and presigned
// query parsing, credential scope and X-Amz-Date/X-Amz-Expires checks, canonicalization of path,
// query and headers, payload hash, signature comparison.
//
// Input: one selector byte, then a request as text (fuzz/http_request_text.h).
//   - Selector bit 0 clear: the request is authenticated as it is, at a fixed time. Checked: no
//     crash; an accepted request names a key of the credentials file.
//   - Bit 0 set: the request is first signed (bit 1: presigned URL instead of the header) by
//     sqs/sigv4_signer.h with a key of the file at that time. Checked: what the signer signs, the
//     verifier accepts as that key's user (signer and verifier share the canonicalization). The
//     signer's contract is a request not signed yet (sqs_client builds a fresh one per attempt),
//     so the harness first drops the headers signing adds (Authorization, X-Amz-Date,
//     X-Amz-Security-Token, X-Amz-Content-Sha256) and skips presigning a query that already has
//     X-Amz-* parameters.
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string_view>

#include "fuzz/http_request_text.h"
#include "queue/sigv4_authenticator.h"
#include "sqs/sigv4_signer.h"

namespace {

using roadsense::queue::SigV4Authenticator;

constexpr std::string_view kKeyId = "AKIDFUZZ0001";
constexpr std::string_view kSecret = "fUzZ+SeCrEt/0123456789abcdefghij";

// 2026-01-01T00:00:00Z: fixed, so that runs are reproducible (the seed corpus signs at it).
std::chrono::system_clock::time_point Now() {
  return std::chrono::system_clock::time_point(std::chrono::seconds(1'767'225'600));
}

const SigV4Authenticator& Authenticator() {
  static const SigV4Authenticator* authenticator = [] {
    const std::string path = (std::filesystem::temp_directory_path() /
                              ("roadsense-fuzz-credentials-" + std::to_string(::getpid())))
                                 .string();
    {
      std::ofstream out(path);
      out << kKeyId << ' ' << kSecret << " 000000000000 fuzzer\n"
          << "AKIDOTHER0001 other-secret-0123456 123456789012 other\n";
    }
    auto* a = new SigV4Authenticator(path, "us-east-1");
    if (!a->Reload().ok()) std::abort();
    std::filesystem::remove(path);
    return a;
  }();
  return *authenticator;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t selector = data[0];
  roadsense::net::HttpRequest request = roadsense::fuzz::ParseHttpRequestText(
      std::string_view(reinterpret_cast<const char*>(data + 1), size - 1));

  if ((selector & 1) == 0) {
    auto caller = Authenticator().Authenticate(request, Now());
    if (caller.ok() && caller->access_key_id != kKeyId && caller->access_key_id != "AKIDOTHER0001")
      std::abort();
    return 0;
  }

  std::erase_if(request.headers, [](const auto& header) {
    std::string name = header.first;
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return name == "authorization" || name == "x-amz-date" || name == "x-amz-security-token" ||
           name == "x-amz-content-sha256";
  });
  if ((selector & 2) && request.Query().find("X-Amz-") != std::string_view::npos) return 0;
  const roadsense::sqs::SigV4Signer signer(
      {std::string(kKeyId), std::string(kSecret), "", "us-east-1", "sqs"});
  const roadsense::Status signed_status =
      (selector & 2) ? signer.Presign(&request, Now(), std::chrono::seconds(300))
                     : signer.Sign(&request, Now());
  if (!signed_status.ok()) return 0;  // e.g. no Host header: nothing was signed
  auto caller = Authenticator().Authenticate(request, Now());
  if (!caller.ok()) {
    std::fprintf(stderr, "signed request refused: %s\n", caller.status().ToString().c_str());
    std::abort();
  }
  if (caller->access_key_id != kKeyId) std::abort();
  return 0;
}
