#include "stream/channel.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>

#include "common/ca_bundle.h"

namespace arrow_zerobus::stream {
namespace {

// The system's CA bundle, read; empty when none of the usual places has one (gRPC then tries its
// own list). Only $SSL_CERT_FILE can name a file that cannot be read: that is the caller's error.
Result<std::string> ReadSystemRoots(const EnvironmentLookup& env) {
  const std::optional<std::string> path = SystemCaBundlePath(env);
  if (!path) return std::string();
  std::ifstream in(*path);
  if (!in) {
    return ConfigurationError("The CA bundle '" + *path +
                              "' named by SSL_CERT_FILE cannot be read");
  }
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

Result<std::string> GrpcProxyUri(const std::string& proxy) {
  const size_t scheme_end = proxy.find("://");
  if (scheme_end == std::string::npos) return "http://" + proxy;
  std::string scheme = proxy.substr(0, scheme_end);
  std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (scheme == "http") return proxy;
  return ConfigurationError("Proxy '" + proxy.substr(0, scheme_end) + "://...' uses the " + scheme +
                            " scheme; gRPC tunnels through http:// proxies (HTTP CONNECT) only");
}

Result<std::shared_ptr<grpc::Channel>> CreateZerobusChannel(const ZerobusEndpoint& endpoint,
                                                            const ChannelOptions& options) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(-1);
  args.SetMaxSendMessageSize(-1);
  args.SetUserAgentPrefix(UserAgent(options.application_name));
  // A connection per stream: one HTTP/2 connection caps the throughput of all streams on it.
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  // The SDKs' proxy rules, not gRPC's own reading of the environment.
  const EnvironmentLookup env = options.environment ? options.environment : ProcessEnvironment();
  if (auto proxy = SelectProxy(endpoint.host, env)) {
    ARROW_ZEROBUS_ASSIGN_OR_RETURN(std::string uri, GrpcProxyUri(*proxy));
    args.SetString("grpc.http_proxy", uri);
  } else {
    args.SetInt(GRPC_ARG_ENABLE_HTTP_PROXY, 0);
  }

  std::shared_ptr<grpc::ChannelCredentials> credentials;
  if (endpoint.tls) {
    grpc::SslCredentialsOptions ssl;
    if (options.pem_root_certs.empty()) {
      ARROW_ZEROBUS_ASSIGN_OR_RETURN(ssl.pem_root_certs, ReadSystemRoots(env));
    } else {
      ssl.pem_root_certs = options.pem_root_certs;
    }
    credentials = grpc::SslCredentials(ssl);
  } else {
    credentials = grpc::InsecureChannelCredentials();
  }
  auto channel = grpc::CreateCustomChannel(endpoint.target(), credentials, args);
  if (channel == nullptr) {
    return Status(StatusCode::kUnavailable, ErrorKind::kConnection,
                  "Could not create a gRPC channel to " + endpoint.target(), true);
  }
  return channel;
}

}  // namespace arrow_zerobus::stream
