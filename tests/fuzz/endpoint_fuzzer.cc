// Fuzz target: the endpoint and proxy parsers (common/endpoint.h), which read what users write in
// configuration files, flags and the environment.
//
// Input: parts (fuzz_support.h) = [endpoint text, host, "NAME=value" environment entries...].
// Promises: an endpoint parses to a host and a port in 1..65535 whose target() parses back to
// the same host and port, or is refused with a ConfigurationError; SelectProxy returns one of
// the proxy variables' values (trimmed), or none.
#include <map>
#include <string>

#include "common/endpoint.h"
#include "common/text.h"
#include "fuzz_support.h"

namespace arrow_zerobus::fuzz {
namespace {

void CheckEndpoint(std::string_view text) {
  auto endpoint = ParseZerobusEndpoint(text);
  if (!endpoint.ok()) {
    FUZZ_CHECK_REFUSAL(endpoint.status(), "ParseZerobusEndpoint", kInvalidConfiguration);
    return;
  }
  FUZZ_CHECK(!endpoint->host.empty(), std::string(text));
  FUZZ_CHECK(endpoint->port >= 1 && endpoint->port <= 65535, std::string(text));
  const std::string target = endpoint->target();
  auto again = ParseZerobusEndpoint(target);
  FUZZ_CHECK(again.ok(), "'" + std::string(text) + "' gave target '" + target +
                             "' which does not parse: " + again.status().ToString());
  FUZZ_CHECK(again->host == endpoint->host && again->port == endpoint->port,
             "'" + std::string(text) + "' -> '" + target + "' -> '" + again->target() + "'");
  FUZZ_CHECK(again->workspace_id == endpoint->workspace_id, target);
}

void CheckProxy(std::string_view host, const std::map<std::string, std::string>& variables) {
  const EnvironmentLookup env = [&](const char* name) {
    const auto found = variables.find(name);
    return found == variables.end() ? std::string() : found->second;
  };
  const std::optional<std::string> proxy = SelectProxy(host, env);
  if (!proxy) return;
  bool from_a_variable = false;
  for (const char* name :
       {"grpc_proxy", "GRPC_PROXY", "https_proxy", "HTTPS_PROXY", "http_proxy", "HTTP_PROXY"}) {
    from_a_variable = from_a_variable || *proxy == TrimWhitespace(env(name));
  }
  FUZZ_CHECK(!proxy->empty() && from_a_variable, "SelectProxy invented '" + *proxy + "'");
}

}  // namespace
}  // namespace arrow_zerobus::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace arrow_zerobus::fuzz;
  const std::vector<std::string_view> parts = SplitParts(data, size, 16);
  CheckEndpoint(parts[0]);
  std::map<std::string, std::string> variables;
  for (size_t i = 2; i < parts.size(); ++i) {
    const size_t equals = parts[i].find('=');
    if (equals == std::string_view::npos) continue;
    variables[std::string(parts[i].substr(0, equals))] = std::string(parts[i].substr(equals + 1));
  }
  CheckProxy(parts.size() > 1 ? parts[1] : parts[0], variables);
  return 0;
}
