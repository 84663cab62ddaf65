#include "tests/support/tls_test_certificate.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <memory>
#include <stdexcept>

namespace roadsense::testing {
namespace {

template <auto Free>
struct Deleter {
  template <typename T>
  void operator()(T* p) const {
    Free(p);
  }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using CertPtr = std::unique_ptr<X509, Deleter<X509_free>>;
using ExtPtr = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION_free>>;

void Check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("test certificate: ") + what + " failed");
}

void AddExtension(X509* cert, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  ExtPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
  Check(ext != nullptr, value);
  Check(X509_add_ext(cert, ext.get(), -1) == 1, "X509_add_ext");
}

// Creates (or truncates) `path` and fills it with `write(FILE*)`, which returns 1 on success.
template <typename Write>
void WriteFile(const std::string& path, Write write) {
  std::unique_ptr<FILE, Deleter<std::fclose>> file(std::fopen(path.c_str(), "w"));
  Check(file != nullptr, ("open " + path).c_str());
  Check(write(file.get()) == 1, ("write " + path).c_str());
}

}  // namespace

TlsTestCertificate WriteTlsTestCertificate(const std::string& dir, const std::string& name) {
  KeyPtr key(EVP_EC_gen("P-256"));
  Check(key != nullptr, "EVP_EC_gen");
  CertPtr cert(X509_new());
  Check(cert != nullptr, "X509_new");
  Check(X509_set_version(cert.get(), 2) == 1, "X509_set_version");  // v3
  // A random serial: certificates from different calls must not look like one another.
  unsigned char serial[8];
  Check(RAND_bytes(serial, sizeof serial) == 1, "RAND_bytes");
  serial[0] &= 0x7f;  // positive
  uint64_t serial_value = 0;
  for (unsigned char b : serial) serial_value = serial_value << 8 | b;
  Check(ASN1_INTEGER_set_uint64(X509_get_serialNumber(cert.get()), serial_value) == 1, "serial");
  Check(X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) != nullptr, "notBefore");
  Check(X509_gmtime_adj(X509_getm_notAfter(cert.get()), 30L * 86400) != nullptr, "notAfter");
  Check(X509_set_pubkey(cert.get(), key.get()) == 1, "X509_set_pubkey");
  X509_NAME* subject = X509_get_subject_name(cert.get());
  Check(X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC,
                                   reinterpret_cast<const unsigned char*>("localhost"), -1, -1,
                                   0) == 1,
        "subject");
  Check(X509_set_issuer_name(cert.get(), subject) == 1, "issuer");
  AddExtension(cert.get(), NID_basic_constraints, "critical,CA:TRUE");
  AddExtension(cert.get(), NID_key_usage, "critical,digitalSignature,keyCertSign");
  AddExtension(cert.get(), NID_ext_key_usage, "serverAuth");
  AddExtension(cert.get(), NID_subject_key_identifier, "hash");
  AddExtension(cert.get(), NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1,IP:::1");
  Check(X509_sign(cert.get(), key.get(), EVP_sha256()) > 0, "X509_sign");

  TlsTestCertificate out{dir + "/" + name + ".crt", dir + "/" + name + ".key"};
  WriteFile(out.certificate_file, [&](FILE* f) { return PEM_write_X509(f, cert.get()); });
  WriteFile(out.private_key_file, [&](FILE* f) {
    return PEM_write_PrivateKey(f, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  });
  return out;
}

}  // namespace roadsense::testing
