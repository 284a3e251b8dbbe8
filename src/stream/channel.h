// The gRPC channel of one Zerobus stream: TLS with the system's trust store (plaintext only for
// http:// endpoints), the proxy the environment selects, our user agent, no message size limits,
// and its own connection (streams do not share one HTTP/2 connection).
#pragma once

#include <memory>
#include <string>

#include <grpcpp/channel.h>

#include "arrow_zerobus/status.h"
#include "common/endpoint.h"

namespace arrow_zerobus::stream {

struct ChannelOptions {
  std::string application_name;  ///< appended to the user agent
  /// PEM roots for TLS; empty: the system trust store (SystemCaBundlePath: $SSL_CERT_FILE or the
  /// usual places of Linux distributions), else gRPC's own search.
  std::string pem_root_certs;
  /// For proxy variables and SSL_CERT_FILE; null: the process environment.
  EnvironmentLookup environment;
};

/// The proxy as gRPC's "grpc.http_proxy" argument wants it: "http://" is assumed when no scheme
/// is given; https:// proxies are refused with a ConfigurationError (gRPC 1.51 would silently
/// connect directly instead).
Result<std::string> GrpcProxyUri(const std::string& proxy);

Result<std::shared_ptr<grpc::Channel>> CreateZerobusChannel(const ZerobusEndpoint& endpoint,
                                                            const ChannelOptions& options);

}  // namespace arrow_zerobus::stream
