#include "oauth_endpoint.h"

#include <httplib.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <optional>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "auth/oauth_request.h"
#include "common/text.h"
#include "unity_catalog_table.h"

namespace arrow_zerobus::emulator {
namespace {

constexpr char kTokenPath[] = "/oidc/v1/token";
constexpr char kTablePathPattern[] = R"(/api/2\.1/unity-catalog/tables/([^/]+))";

struct Reply {
  int status = 200;
  nlohmann::json body;
  /// The WWW-Authenticate challenge of a 401.
  const char* challenge = "Basic realm=\"emulator\"";
};

Reply OAuthError(int status, const char* error, std::string description) {
  return Reply{status, {{"error", error}, {"error_description", std::move(description)}}};
}

/// The error body of the Databricks REST APIs.
Reply ApiError(int status, const char* error_code, std::string message) {
  return Reply{status,
               {{"error_code", error_code}, {"message", std::move(message)}},
               "Bearer realm=\"emulator\""};
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/// Undoes application/x-www-form-urlencoded: "+" is a space, %XX a byte.
std::optional<std::string> FormDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out += ' ';
    } else if (text[i] == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      const int high = HexValue(text[i + 1]);
      const int low = HexValue(text[i + 2]);
      if (high < 0 || low < 0) return std::nullopt;
      out += static_cast<char>(high * 16 + low);
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

/// The fields of a form body; an error names the field that cannot be decoded or repeats.
Result<std::map<std::string, std::string>> ParseForm(std::string_view body) {
  std::map<std::string, std::string> fields;
  while (!body.empty()) {
    const size_t amp = body.find('&');
    const std::string_view pair = body.substr(0, amp);
    body = amp == std::string_view::npos ? std::string_view() : body.substr(amp + 1);
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    const auto name = FormDecode(pair.substr(0, eq));
    const auto value = eq == std::string_view::npos ? std::optional<std::string>("")
                                                    : FormDecode(pair.substr(eq + 1));
    if (!name || !value) {
      return ConfigurationError("malformed percent-encoding in form field '" +
                                std::string(pair.substr(0, eq)) + "'");
    }
    if (!fields.emplace(*name, *value).second) {
      return ConfigurationError("form field '" + *name + "' appears more than once");
    }
  }
  return fields;
}

std::optional<std::string> Base64Decode(std::string_view text) {
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out;
  uint32_t bits = 0;
  int count = 0;
  size_t padding = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '=') {
      if (i + 2 < text.size()) return std::nullopt;  // "=" only in the last two places
      ++padding;
      continue;
    }
    if (padding > 0) return std::nullopt;
    const size_t value = kAlphabet.find(text[i]);
    if (value == std::string_view::npos) return std::nullopt;
    bits = (bits << 6) | static_cast<uint32_t>(value);
    if (++count == 4) {
      out += static_cast<char>((bits >> 16) & 0xff);
      out += static_cast<char>((bits >> 8) & 0xff);
      out += static_cast<char>(bits & 0xff);
      bits = 0;
      count = 0;
    }
  }
  if (count == 2) out += static_cast<char>((bits >> 4) & 0xff);
  if (count == 3) {
    out += static_cast<char>((bits >> 10) & 0xff);
    out += static_cast<char>((bits >> 2) & 0xff);
  }
  return out;
}

struct Credentials {
  std::string client_id;
  std::string client_secret;
};

/// What follows `scheme` (lower case, matched case-insensitively) in an Authorization header.
std::optional<std::string_view> AuthorizationOf(std::string_view header, std::string_view scheme) {
  header = TrimWhitespace(header);
  const size_t space = header.find(' ');
  if (space == std::string_view::npos || AsciiLower(header.substr(0, space)) != scheme) {
    return std::nullopt;
  }
  return TrimWhitespace(header.substr(space + 1));
}

/// The client credentials of an "Authorization: Basic base64(id:secret)" header.
std::optional<Credentials> ParseBasicAuth(std::string_view header) {
  const auto encoded = AuthorizationOf(header, "basic");
  if (!encoded) return std::nullopt;
  const auto decoded = Base64Decode(*encoded);
  if (!decoded) return std::nullopt;
  const size_t colon = decoded->find(':');
  if (colon == std::string::npos || colon == 0) return std::nullopt;
  return Credentials{decoded->substr(0, colon), decoded->substr(colon + 1)};
}

/// The strings of a JSON array of strings, upper-cased; nullopt for anything else.
std::optional<std::vector<std::string>> UpperStrings(const nlohmann::json& value) {
  if (!value.is_array()) return std::nullopt;
  std::vector<std::string> out;
  for (const auto& item : value) {
    if (!item.is_string()) return std::nullopt;
    out.push_back(AsciiUpper(item.get<std::string>()));
  }
  return out;
}

bool Contains(const std::vector<std::string>& list, std::string_view item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

struct Grant {
  std::string object_type;  ///< upper-cased
  std::string path;
  std::vector<std::string> privileges;  ///< upper-cased
  std::optional<std::vector<std::string>> operations;
};

/// The unity_catalog_privileges entries of authorization_details; the error text says which
/// entry is malformed and how.
Result<std::vector<Grant>> ParseGrants(const std::string& text) {
  const auto details = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (details.is_discarded()) return ConfigurationError("authorization_details is not valid JSON");
  if (!details.is_array()) return ConfigurationError("authorization_details is not a JSON array");
  std::vector<Grant> grants;
  for (size_t i = 0; i < details.size(); ++i) {
    const auto& entry = details[i];
    const std::string where = "authorization_details[" + std::to_string(i) + "]";
    if (!entry.is_object()) return ConfigurationError(where + " is not an object");
    if (entry.value("type", "") != "unity_catalog_privileges") {
      return ConfigurationError(where + " does not have type unity_catalog_privileges");
    }
    if (!entry.contains("object_type") || !entry["object_type"].is_string()) {
      return ConfigurationError(where + " has no object_type");
    }
    if (!entry.contains("object_full_path") || !entry["object_full_path"].is_string()) {
      return ConfigurationError(where + " has no object_full_path");
    }
    Grant grant;
    grant.object_type = AsciiUpper(entry["object_type"].get<std::string>());
    grant.path = entry["object_full_path"].get<std::string>();
    auto privileges = entry.contains("privileges") ? UpperStrings(entry["privileges"])
                                                   : std::optional<std::vector<std::string>>();
    if (!privileges) return ConfigurationError(where + " has no privileges list of strings");
    grant.privileges = std::move(*privileges);
    if (entry.contains("operations")) {
      grant.operations = UpperStrings(entry["operations"]);
      if (!grant.operations) {
        return ConfigurationError(where + " has an operations value that is not a list of strings");
      }
    }
    grants.push_back(std::move(grant));
  }
  return grants;
}

/// The table the grants allow writing through Zerobus: one TABLE entry with MODIFY and the
/// zerobuswrite operation (which may be left out unless `require_zerobuswrite`), plus USE
/// CATALOG and USE SCHEMA on its catalog and schema.
Result<std::string> GrantedTable(const std::vector<Grant>& grants, bool require_zerobuswrite) {
  const Grant* table_grant = nullptr;
  for (const Grant& grant : grants) {
    if (grant.object_type != "TABLE") continue;
    if (table_grant != nullptr && table_grant->path != grant.path) {
      return ConfigurationError("authorization_details names more than one table (" +
                                table_grant->path + ", " + grant.path + ")");
    }
    table_grant = &grant;
  }
  if (table_grant == nullptr) return ConfigurationError("authorization_details has no TABLE entry");
  auto table = auth::ParseTableName(table_grant->path);
  if (!table.ok()) return table.status().WithContext("authorization_details TABLE entry");
  const std::string& full = table_grant->path;
  if (!Contains(table_grant->privileges, "MODIFY")) {
    return ConfigurationError("the TABLE entry for " + full + " lacks the MODIFY privilege");
  }
  if (!table_grant->operations) {
    // Official clients before Rust core 2.2.0 (the Python SDK 0.2.0 among them) send none.
    if (require_zerobuswrite) {
      return ConfigurationError("the TABLE entry for " + full +
                                " lacks the zerobuswrite operation, which this emulator requires "
                                "(--require-zerobuswrite)");
    }
  } else if (!Contains(*table_grant->operations, "ZEROBUSWRITE")) {
    return ConfigurationError(
        "the TABLE entry for " + full + " lacks the zerobuswrite operation: its operations list " +
        (table_grant->operations->empty() ? "is empty" : "names others only"));
  }
  auto has = [&](const char* type, const std::string& path, const char* privilege) {
    return std::any_of(grants.begin(), grants.end(), [&](const Grant& grant) {
      return grant.object_type == type && grant.path == path &&
             Contains(grant.privileges, privilege);
    });
  };
  if (!has("CATALOG", table->catalog, "USE CATALOG")) {
    return ConfigurationError(
        "authorization_details has no CATALOG entry granting USE CATALOG on " + table->catalog);
  }
  const std::string schema = table->catalog + "." + table->schema;
  if (!has("SCHEMA", schema, "USE SCHEMA")) {
    return ConfigurationError("authorization_details has no SCHEMA entry granting USE SCHEMA on " +
                              schema);
  }
  return full;
}

/// The table of a schema tool's grant (zerobus-protocol §3.4, the Rust tool): a TABLE entry with
/// SELECT and without MODIFY. nullopt for anything else, which the Zerobus rules then judge.
std::optional<std::string> SelectOnlyTable(const std::vector<Grant>& grants) {
  for (const Grant& grant : grants) {
    if (grant.object_type == "TABLE" && Contains(grant.privileges, "SELECT") &&
        !Contains(grant.privileges, "MODIFY") && auth::ParseTableName(grant.path).ok()) {
      return grant.path;
    }
  }
  return std::nullopt;
}

/// cpp-httplib 0.11 listens with a backlog of 5: when more clients connect at once, the kernel
/// drops their SYNs and they retry a second later. Listening again widens the backlog.
class WideBacklogServer : public httplib::Server {
 public:
  void WidenBacklog() { ::listen(svr_sock_, SOMAXCONN); }  // failure keeps the backlog of 5
};

}  // namespace

struct OAuthEndpoint::Impl {
  OAuthEndpointOptions options;
  std::shared_ptr<TokenRegistry> registry;
  WideBacklogServer server;
  std::thread thread;
  std::atomic<bool> finished{false};
  std::atomic<int64_t> requests{0};
  int port = 0;

  Reply HandleToken(const httplib::Request& request) const;
  Reply HandleGetTable(const httplib::Request& request) const;
  Reply TokenReply(const std::string& table, TokenScope scope) const;
};

Reply OAuthEndpoint::Impl::TokenReply(const std::string& table, TokenScope scope) const {
  return Reply{200,
               {{"access_token", registry->Issue(table, options.token_lifetime, scope)},
                {"token_type", "Bearer"},
                {"expires_in", options.token_lifetime.count()},
                {"scope", "all-apis"}}};
}

Reply OAuthEndpoint::Impl::HandleToken(const httplib::Request& request) const {
  if (!request.has_header("Authorization")) {
    return OAuthError(401, "invalid_client", "missing HTTP Basic client authentication");
  }
  const auto credentials = ParseBasicAuth(request.get_header_value("Authorization"));
  if (!credentials) {
    return OAuthError(401, "invalid_client",
                      "the Authorization header is not HTTP Basic base64(client_id:secret)");
  }
  if (!options.clients.empty()) {
    const auto client = options.clients.find(credentials->client_id);
    if (client == options.clients.end() || client->second != credentials->client_secret) {
      return OAuthError(
          401, "invalid_client",
          "client authentication failed for client_id '" + credentials->client_id + "'");
    }
  }

  const std::string content_type = request.get_header_value("Content-Type");
  const std::string media_type = AsciiLower(
      TrimWhitespace(std::string_view(content_type)
                         .substr(0, std::min(content_type.find(';'), content_type.size()))));
  if (media_type != "application/x-www-form-urlencoded") {
    return OAuthError(
        400, "invalid_request",
        "Content-Type must be application/x-www-form-urlencoded, not '" + content_type + "'");
  }
  auto form = ParseForm(request.body);
  if (!form.ok()) return OAuthError(400, "invalid_request", form.status().message());
  auto field = [&](const char* name) -> std::optional<std::string> {
    const auto found = form->find(name);
    if (found == form->end()) return std::nullopt;
    return found->second;
  };

  const auto grant_type = field("grant_type");
  if (!grant_type) return OAuthError(400, "invalid_request", "missing grant_type");
  if (*grant_type != "client_credentials") {
    return OAuthError(400, "unsupported_grant_type",
                      "grant_type '" + *grant_type + "' is not supported, only client_credentials");
  }

  const std::string scope = field("scope").value_or("");
  bool all_apis = false;
  for (std::string_view rest = scope; !rest.empty();) {
    const size_t space = rest.find(' ');
    all_apis = all_apis || rest.substr(0, space) == "all-apis";
    rest = space == std::string_view::npos ? std::string_view() : rest.substr(space + 1);
  }
  if (!all_apis) {
    return OAuthError(400, "invalid_scope", "scope '" + scope + "' does not include all-apis");
  }

  const auto resource = field("resource");
  const auto details = field("authorization_details");
  if (!resource && !details) {
    // The schema tools' plain token (Python and Java): reads Unity Catalog, streams nothing.
    return TokenReply("", TokenScope::kWorkspace);
  }
  std::vector<Grant> grants;
  if (details) {
    auto parsed = ParseGrants(*details);
    if (!parsed.ok()) return OAuthError(400, "invalid_request", parsed.status().message());
    grants = std::move(parsed).value();
    // The Rust schema tool's token: SELECT on the table, no Zerobus resource.
    if (!resource) {
      if (auto table = SelectOnlyTable(grants)) return TokenReply(*table, TokenScope::kTableRead);
    }
  }

  if (!options.workspace_id.empty()) {
    const std::string expected =
        "api://databricks/workspaces/" + options.workspace_id + "/zerobusDirectWriteApi";
    if (resource != expected) {
      return OAuthError(400, "invalid_target",
                        "resource '" + resource.value_or("") + "' is not " + expected);
    }
  }
  if (!details) return OAuthError(400, "invalid_request", "missing authorization_details");
  auto table = GrantedTable(grants, options.require_zerobuswrite);
  if (!table.ok()) return OAuthError(400, "invalid_request", table.status().message());
  return TokenReply(*table, TokenScope::kZerobusWrite);
}

Reply OAuthEndpoint::Impl::HandleGetTable(const httplib::Request& request) const {
  const std::string table = request.matches[1];
  const std::string authorization = request.get_header_value("Authorization");
  const auto token = AuthorizationOf(authorization, "bearer");
  if (!token) {
    return ApiError(401, "UNAUTHENTICATED",
                    "reading table " + table + " needs an Authorization: Bearer token");
  }
  const Status access = registry->CheckTableRead(std::string(*token), table);
  if (access.code() == StatusCode::kUnauthenticated) {
    return ApiError(401, "UNAUTHENTICATED", access.message());
  }
  if (!access.ok()) return ApiError(403, "PERMISSION_DENIED", access.message());
  const auto columns = options.declared_columns ? options.declared_columns(table) : std::nullopt;
  if (!columns) {
    return ApiError(404, "TABLE_DOES_NOT_EXIST", "Table '" + table + "' does not exist.");
  }
  auto info = UnityCatalogTableInfo(table, *columns);
  if (!info.ok()) return ApiError(500, "INTERNAL_ERROR", info.status().message());
  return Reply{200, std::move(info).value()};
}

Result<std::unique_ptr<OAuthEndpoint>> OAuthEndpoint::Start(
    OAuthEndpointOptions options, std::shared_ptr<TokenRegistry> registry) {
  if (registry == nullptr) return ConfigurationError("the OAuth endpoint needs a token registry");
  if (options.token_lifetime.count() <= 0) {
    return ConfigurationError("the OAuth endpoint's token lifetime must be positive, not " +
                              std::to_string(options.token_lifetime.count()) + " s");
  }
  if (options.port < 0 || options.port > 65535) {
    return ConfigurationError("the OAuth endpoint's port " + std::to_string(options.port) +
                              " is not in 0..65535");
  }
  auto impl = std::make_unique<Impl>();
  impl->options = std::move(options);
  impl->registry = std::move(registry);
  Impl* self = impl.get();

  auto send = [](httplib::Response& response, const Reply& reply) {
    response.status = reply.status;
    if (reply.status == 401) response.set_header("WWW-Authenticate", reply.challenge);
    response.set_header("Cache-Control", "no-store");
    // Descriptions quote what the client sent, which need not be UTF-8: replaced (U+FFFD), not
    // thrown on (cpp-httplib turned the exception into an HTTP 500).
    response.set_content(reply.body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                         "application/json");
  };
  WideBacklogServer& server = impl->server;
  // cpp-httplib's default sets SO_REUSEPORT, which lets a second server bind a port already in
  // use (and take some of its connections). SO_REUSEADDR only allows rebinding after TIME_WAIT.
  server.set_socket_options([](auto sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  server.set_pre_routing_handler([self](const httplib::Request&, httplib::Response&) {
    self->requests.fetch_add(1);
    return httplib::Server::HandlerResponse::Unhandled;
  });
  server.Post(kTokenPath,
              [self, send](const httplib::Request& request, httplib::Response& response) {
                send(response, self->HandleToken(request));
              });
  server.Get(kTablePathPattern,
             [self, send](const httplib::Request& request, httplib::Response& response) {
               send(response, self->HandleGetTable(request));
             });
  // Everything else; registered after the paths above, which therefore match first.
  auto other = [send](const httplib::Request& request, httplib::Response& response) {
    if (request.path == kTokenPath) {
      response.set_header("Allow", "POST");
      send(response,
           OAuthError(405, "invalid_request", request.method + " is not allowed on " + kTokenPath));
    } else {
      send(response, OAuthError(404, "not_found", "no endpoint at " + request.path));
    }
  };
  server.Get(".*", other);
  server.Post(".*", other);
  server.Put(".*", other);
  server.Patch(".*", other);
  server.Delete(".*", other);
  server.Options(".*", other);

  const std::string& host = impl->options.host;
  if (impl->options.port == 0) {
    impl->port = server.bind_to_any_port(host);
  } else if (server.bind_to_port(host, impl->options.port)) {
    impl->port = impl->options.port;
  } else {
    impl->port = -1;
  }
  if (impl->port <= 0) {
    return Status(
        StatusCode::kUnavailable, ErrorKind::kConnection,
        "the OAuth endpoint cannot listen on " + host + ":" + std::to_string(impl->options.port));
  }
  server.WidenBacklog();
  impl->thread = std::thread([self] {
    self->server.listen_after_bind();
    self->finished = true;
  });
  while (!server.is_running()) {
    if (impl->finished) {
      impl->thread.join();
      return Status(StatusCode::kUnavailable, ErrorKind::kConnection,
                    "the OAuth endpoint stopped before serving on " + host + ":" +
                        std::to_string(impl->port));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return std::unique_ptr<OAuthEndpoint>(new OAuthEndpoint(std::move(impl)));
}

OAuthEndpoint::OAuthEndpoint(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

OAuthEndpoint::~OAuthEndpoint() {
  impl_->server.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

int OAuthEndpoint::port() const { return impl_->port; }

std::string OAuthEndpoint::url() const {
  std::string host = impl_->options.host;
  if (host == "0.0.0.0" || host.empty()) host = "127.0.0.1";
  if (host == "::") host = "::1";
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return "http://" + host + ":" + std::to_string(impl_->port);
}

int64_t OAuthEndpoint::requests() const { return impl_->requests.load(); }

}  // namespace arrow_zerobus::emulator
