#include "common/endpoint.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <optional>
#include <vector>

#include "arrow_zerobus/version.h"
#include "common/text.h"

namespace arrow_zerobus {
namespace {

Status BadEndpoint(std::string_view endpoint, const std::string& why) {
  return ConfigurationError("Zerobus endpoint '" + std::string(endpoint) + "' " + why);
}

std::string FirstNonEmpty(const EnvironmentLookup& env, std::initializer_list<const char*> names) {
  for (const char* name : names) {
    std::string value = env(name);
    if (!value.empty()) return value;
  }
  return "";
}

}  // namespace

std::string ZerobusEndpoint::target() const {
  const bool ipv6 = host.find(':') != std::string::npos;
  return (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Result<ZerobusEndpoint> ParseZerobusEndpoint(std::string_view endpoint) {
  std::string_view rest = endpoint;
  ZerobusEndpoint out;
  const size_t scheme_end = rest.find("://");
  if (scheme_end != std::string_view::npos) {
    const std::string scheme = AsciiLower(rest.substr(0, scheme_end));
    if (scheme == "http") {
      out.tls = false;
      out.port = 80;
    } else if (scheme != "https") {
      return BadEndpoint(endpoint, "has scheme '" + scheme +
                                       "'; use https:// (or http:// for a "
                                       "local emulator)");
    }
    rest.remove_prefix(scheme_end + 3);
  }
  // User information ("user:password@host") has no meaning for the service, and what precedes the
  // '@' may be a secret: the error names the endpoint without it.
  const std::string_view authority = rest.substr(0, rest.find_first_of("/?"));
  if (const size_t at = authority.find('@'); at != std::string_view::npos) {
    return ConfigurationError(
        "Zerobus endpoint '" +
        std::string(endpoint.substr(0, scheme_end == std::string_view::npos ? 0 : scheme_end + 3)) +
        "<hidden>" + std::string(rest.substr(at)) +
        "' has user information before '@'; give only the host (and port): the credentials are "
        "client_id and client_secret");
  }
  // Only an authority is meaningful: a trailing "/" is tolerated, a path is not.
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  if (rest.find('/') != std::string_view::npos || rest.find('?') != std::string_view::npos) {
    return BadEndpoint(endpoint, "has a path or query; give only the host (and port)");
  }
  std::optional<std::string_view> port_text;
  bool bracketed = false;
  if (!rest.empty() && rest.front() == '[') {  // [IPv6]:port
    const size_t close = rest.find(']');
    if (close == std::string_view::npos) return BadEndpoint(endpoint, "has an unclosed '['");
    bracketed = true;
    out.host = std::string(rest.substr(1, close - 1));
    // Only an IPv6 address goes in brackets: a name there would lose its workspace id.
    if (out.host.find(':') == std::string::npos) {
      return BadEndpoint(endpoint,
                         "has '" + out.host + "' in brackets, which are for IPv6 addresses only");
    }
    rest.remove_prefix(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return BadEndpoint(endpoint, "has text after the IPv6 address");
      port_text = rest.substr(1);
    }
  } else {
    if (std::count(rest.begin(), rest.end(), ':') > 1) {
      return BadEndpoint(endpoint,
                         "looks like an IPv6 address: IPv6 addresses go in brackets, "
                         "as in http://[::1]:50051");
    }
    const size_t colon = rest.find(':');
    out.host = std::string(rest.substr(0, colon));
    if (colon != std::string_view::npos) port_text = rest.substr(colon + 1);
  }
  if (out.host.empty()) return BadEndpoint(endpoint, "has no host");
  for (char c : out.host) {
    const auto u = static_cast<unsigned char>(c);
    if (!(std::isalnum(u) || c == '-' || c == '.' || c == '_' || (bracketed && c == ':'))) {
      return BadEndpoint(endpoint, "has the character '" + std::string(1, c) +
                                       "' in its host (IPv6 addresses go in brackets)");
    }
  }
  if (port_text.has_value()) {
    int port = 0;
    bool valid = !port_text->empty() && port_text->size() <= 5;
    for (char c : *port_text) {
      valid = valid && std::isdigit(static_cast<unsigned char>(c));
      if (valid) port = port * 10 + (c - '0');
    }
    if (!valid || port < 1 || port > 65535) {
      return BadEndpoint(endpoint, "has an invalid port '" + std::string(*port_text) + "'");
    }
    out.port = port;
  }
  out.workspace_id = bracketed ? "" : out.host.substr(0, out.host.find('.'));
  return out;
}

EnvironmentLookup ProcessEnvironment() {
  return [](const char* name) {
    const char* value = std::getenv(name);
    return std::string(value == nullptr ? "" : value);
  };
}

std::optional<std::string> SelectProxy(std::string_view host, const EnvironmentLookup& env) {
  const std::string proxy(
      TrimWhitespace(FirstNonEmpty(env, {"grpc_proxy", "GRPC_PROXY", "https_proxy", "HTTPS_PROXY",
                                         "http_proxy", "HTTP_PROXY"})));
  if (proxy.empty()) return std::nullopt;
  const std::string no_proxy =
      FirstNonEmpty(env, {"no_grpc_proxy", "NO_GRPC_PROXY", "no_proxy", "NO_PROXY"});
  const std::string target = AsciiLower(host);
  size_t start = 0;
  while (start <= no_proxy.size()) {
    const size_t comma = no_proxy.find(',', start);
    std::string entry = AsciiLower(TrimWhitespace(
        no_proxy.substr(start, comma == std::string::npos ? std::string::npos : comma - start)));
    if (!entry.empty() && entry.front() == '.') entry.erase(0, 1);
    if (entry == "*") return std::nullopt;
    if (!entry.empty() && (target == entry || (target.size() > entry.size() &&
                                               target.compare(target.size() - entry.size(),
                                                              entry.size(), entry) == 0 &&
                                               target[target.size() - entry.size() - 1] == '.'))) {
      return std::nullopt;
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return proxy;
}

std::string UserAgent(std::string_view application_name) {
  std::string agent = std::string("arrow-zerobus-cpp/") + ARROW_ZEROBUS_VERSION;
  if (!application_name.empty()) agent += " " + std::string(application_name);
  return agent;
}

}  // namespace arrow_zerobus
