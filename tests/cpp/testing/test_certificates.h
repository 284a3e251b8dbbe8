// Certificates made in-test with OpenSSL, for TLS servers the client must (or must not) trust.
#pragma once

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <string>

namespace arrow_zerobus::testing {

/// A fresh P-256 key and a self-signed certificate for it, valid from an hour ago for a day. The
/// certificate is a CA, so it can serve as its own trust root.
class SelfSignedCertificate {
 public:
  /// `subject_alt_names` in OpenSSL's syntax: "DNS:localhost,IP:127.0.0.1".
  explicit SelfSignedCertificate(
      const std::string& subject_alt_names = "DNS:localhost,IP:127.0.0.1");
  ~SelfSignedCertificate();
  SelfSignedCertificate(const SelfSignedCertificate&) = delete;
  SelfSignedCertificate& operator=(const SelfSignedCertificate&) = delete;

  /// False when OpenSSL could not make the key or the certificate.
  bool valid() const { return valid_; }
  X509* cert() const { return cert_; }
  EVP_PKEY* key() const { return key_; }
  const std::string& certificate_pem() const { return certificate_pem_; }
  const std::string& private_key_pem() const { return private_key_pem_; }
  /// A PEM file in the test's temporary directory holding the certificate; removed with this
  /// object.
  const std::string& path() const { return path_; }

 private:
  EVP_PKEY* key_ = nullptr;
  X509* cert_ = nullptr;
  bool valid_ = false;
  std::string certificate_pem_;
  std::string private_key_pem_;
  std::string path_;
};

}  // namespace arrow_zerobus::testing
