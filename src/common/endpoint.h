// Zerobus endpoints as users write them: scheme optional, workspace id taken from the host, TLS
// unless the scheme is http; plus the proxy the environment selects for a host and the user
// agent our client announces.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "arrow_zerobus/status.h"

namespace arrow_zerobus {

struct ZerobusEndpoint {
  bool tls = true;   ///< false only for http:// endpoints (local emulators)
  std::string host;  ///< without brackets for IPv6 literals
  int port = 443;
  std::string workspace_id;  ///< the first DNS label of the host

  /// "host:port" for a gRPC channel ("[::1]:50051" for IPv6).
  std::string target() const;
};

/// Parses "https://123.zerobus.us-west-2.cloud.databricks.com", "host:port" (https assumed),
/// "http://127.0.0.1:50051". Errors (ConfigurationError) name the endpoint and the problem.
Result<ZerobusEndpoint> ParseZerobusEndpoint(std::string_view endpoint);

/// Reads an environment variable; empty when unset. Injected so tests need no real environment.
using EnvironmentLookup = std::function<std::string(const char* name)>;
EnvironmentLookup ProcessEnvironment();

/// The proxy for `host` per the SDKs' rules: the first non-empty of grpc_proxy, GRPC_PROXY,
/// https_proxy, HTTPS_PROXY, http_proxy, HTTP_PROXY, unless the first non-empty of
/// no_grpc_proxy, NO_GRPC_PROXY, no_proxy, NO_PROXY lists the host (exact or dot-suffix match,
/// "*" for all).
std::optional<std::string> SelectProxy(std::string_view host, const EnvironmentLookup& env);

/// "arrow-zerobus-cpp/<version>", followed by " <application_name>" when one is given.
std::string UserAgent(std::string_view application_name = {});

}  // namespace arrow_zerobus
