#include "common/ca_bundle.h"

#include <fstream>

namespace arrow_zerobus {

std::span<const char* const> KnownCaBundlePaths() {
  static constexpr const char* kPaths[] = {
      "/etc/ssl/certs/ca-certificates.crt",                 // Debian, Ubuntu, Arch, Gentoo
      "/etc/pki/tls/certs/ca-bundle.crt",                   // Fedora, RHEL, CentOS
      "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",  // RHEL 7 and later
      "/etc/ssl/ca-bundle.pem",                             // openSUSE, SLES
      "/etc/ssl/cert.pem",                                  // Alpine
      "/etc/pki/tls/cacert.pem",                            // OpenELEC
  };
  return kPaths;
}

std::optional<std::string> SystemCaBundlePath(
    const EnvironmentLookup& env, const std::function<bool(const std::string&)>& is_readable_file) {
  if (std::string override_path = env("SSL_CERT_FILE"); !override_path.empty()) {
    return override_path;
  }
  for (const char* path : KnownCaBundlePaths()) {
    if (is_readable_file(path)) return std::string(path);
  }
  return std::nullopt;
}

bool IsReadableFile(const std::string& path) { return std::ifstream(path).good(); }

}  // namespace arrow_zerobus
