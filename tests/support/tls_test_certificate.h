// WriteTlsTestCertificate: a throwaway TLS identity for tests and benchmarks, generated at run
// time with the OpenSSL API (no openssl CLI, nothing committed that could expire).
#pragma once

#include <string>

namespace roadsense::testing {

struct TlsTestCertificate {
  std::string certificate_file;  // PEM; self-signed, so it is also the trust anchor to give clients
  std::string private_key_file;  // PEM, unencrypted
};

// Generates a fresh EC P-256 key and a self-signed certificate for "localhost", 127.0.0.1 and
// ::1 (valid from an hour ago for 30 days) and writes them to `dir`/`name`.crt and
// `dir`/`name`.key. Each call makes a new key, so two certificates never trust each other.
// Throws std::runtime_error when OpenSSL or the file system fails.
TlsTestCertificate WriteTlsTestCertificate(const std::string& dir,
                                           const std::string& name = "localhost");

}  // namespace roadsense::testing
