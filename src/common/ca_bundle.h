// Where the system keeps its trusted CA certificates. Debian's libcurl and gRPC look only where
// Debian keeps them; a wheel that carries those libraries also runs on Fedora, RHEL, SUSE or
// Alpine, so both the OAuth client and the gRPC channel ask here instead.
#pragma once

#include <functional>
#include <optional>
#include <span>
#include <string>

#include "common/endpoint.h"

namespace arrow_zerobus {

/// The PEM bundles of the common Linux distributions, in the order they are tried.
std::span<const char* const> KnownCaBundlePaths();

bool IsReadableFile(const std::string& path);

/// $SSL_CERT_FILE when it is set (OpenSSL's override, which gRPC's and curl's users expect),
/// else the first of KnownCaBundlePaths() that `is_readable_file`; nullopt when there is none.
std::optional<std::string> SystemCaBundlePath(
    const EnvironmentLookup& env,
    const std::function<bool(const std::string&)>& is_readable_file = IsReadableFile);

}  // namespace arrow_zerobus
