#include "testing/test_certificates.h"

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <utility>

#include <gtest/gtest.h>

namespace arrow_zerobus::testing {
namespace {

/// What a PEM writer put in a memory BIO.
template <typename Write>
std::string ToPem(Write write) {
  BIO* bio = BIO_new(BIO_s_mem());
  std::string pem;
  if (bio != nullptr && write(bio) == 1) {
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio, &data);  // NOLINT(runtime/int): OpenSSL's type
    if (size > 0) pem.assign(data, static_cast<size_t>(size));
  }
  BIO_free(bio);
  return pem;
}

/// Test cases of one binary may run in parallel processes: every file gets its own name.
std::string UniqueTempPath() {
  static std::atomic<int> counter{0};
  return ::testing::TempDir() + "arrow_zerobus_test_cert_" + std::to_string(getpid()) + "_" +
         std::to_string(counter++) + ".pem";
}

}  // namespace

SelfSignedCertificate::SelfSignedCertificate(const std::string& subject_alt_names) {
  key_ = EVP_EC_gen("P-256");
  cert_ = X509_new();
  if (key_ == nullptr || cert_ == nullptr) return;
  bool ok = X509_set_version(cert_, 2) == 1 &&
            ASN1_INTEGER_set(X509_get_serialNumber(cert_), 1) == 1 &&
            X509_gmtime_adj(X509_getm_notBefore(cert_), -3600) != nullptr &&
            X509_gmtime_adj(X509_getm_notAfter(cert_), 86400) != nullptr &&
            X509_set_pubkey(cert_, key_) == 1;
  X509_NAME* name = X509_get_subject_name(cert_);
  ok = ok &&
       X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                  reinterpret_cast<const unsigned char*>("arrow-zerobus test"), -1,
                                  -1, 0) == 1 &&
       X509_set_issuer_name(cert_, name) == 1;
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, cert_, cert_, nullptr, nullptr, 0);
  const std::pair<int, std::string> extensions[] = {
      {NID_basic_constraints, "critical,CA:TRUE"},
      {NID_subject_key_identifier, "hash"},
      {NID_subject_alt_name, subject_alt_names},
  };
  for (const auto& [nid, value] : extensions) {
    X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value.c_str());
    ok = ok && extension != nullptr && X509_add_ext(cert_, extension, -1) == 1;
    X509_EXTENSION_free(extension);
  }
  ok = ok && X509_sign(cert_, key_, EVP_sha256()) > 0;
  if (!ok) return;
  certificate_pem_ = ToPem([this](BIO* bio) { return PEM_write_bio_X509(bio, cert_); });
  private_key_pem_ = ToPem([this](BIO* bio) {
    return PEM_write_bio_PrivateKey(bio, key_, nullptr, nullptr, 0, nullptr, nullptr);
  });
  path_ = UniqueTempPath();
  FILE* file = std::fopen(path_.c_str(), "w");
  if (file == nullptr) return;
  const bool written = std::fwrite(certificate_pem_.data(), 1, certificate_pem_.size(), file) ==
                       certificate_pem_.size();
  valid_ =
      std::fclose(file) == 0 && written && !certificate_pem_.empty() && !private_key_pem_.empty();
}

SelfSignedCertificate::~SelfSignedCertificate() {
  if (!path_.empty()) std::remove(path_.c_str());
  X509_free(cert_);
  EVP_PKEY_free(key_);
}

}  // namespace arrow_zerobus::testing
