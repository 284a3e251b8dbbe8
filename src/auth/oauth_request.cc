#include "auth/oauth_request.h"
#include "common/text.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include <nlohmann/json.hpp>

namespace arrow_zerobus::auth {

Result<TableName> ParseTableName(std::string_view name) {
  // The name goes into JSON (the token request) and gRPC metadata; it is not echoed here.
  if (!IsValidUtf8(name)) {
    return ConfigurationError("table name (" + std::to_string(name.size()) +
                              " bytes) is not valid UTF-8");
  }
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    const size_t dot = name.find('.', start);
    parts.emplace_back(name.substr(start, dot == std::string_view::npos ? dot : dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (parts.size() != 3) {
    return ConfigurationError("table name '" + std::string(name) +
                              "' must have exactly 3 parts: catalog.schema.table");
  }
  const char* roles[] = {"catalog", "schema", "table"};
  for (int i = 0; i < 3; ++i) {
    if (parts[i].empty()) {
      return ConfigurationError("table name '" + std::string(name) + "' has an empty " + roles[i] +
                                " name");
    }
  }
  return TableName{parts[0], parts[1], parts[2]};
}

namespace {

/// The unity_catalog_privileges entries: USE CATALOG and USE SCHEMA on the table's parents, and
/// `table_privileges` (with `operations` when given) on the table.
nlohmann::json PrivilegesOn(const TableName& table, std::vector<std::string> table_privileges,
                            std::vector<std::string> operations) {
  auto privileges = [](const char* type, std::string path, std::vector<std::string> privs) {
    return nlohmann::json{{"type", "unity_catalog_privileges"},
                          {"privileges", std::move(privs)},
                          {"object_type", type},
                          {"object_full_path", std::move(path)}};
  };
  nlohmann::json details = nlohmann::json::array();
  details.push_back(privileges("CATALOG", table.catalog, {"USE CATALOG"}));
  details.push_back(privileges("SCHEMA", table.catalog + "." + table.schema, {"USE SCHEMA"}));
  auto table_entry = privileges("TABLE", table.full(), std::move(table_privileges));
  if (!operations.empty()) table_entry["operations"] = std::move(operations);
  details.push_back(std::move(table_entry));
  return details;
}

/// POST <workspace_url>/oidc/v1/token with HTTP Basic client credentials and `form`.
HttpRequest TokenRequest(std::string_view workspace_url, std::string_view client_id,
                         std::string_view client_secret, std::string form) {
  HttpRequest request;
  request.url = UrlWithPath(workspace_url, "/oidc/v1/token");
  request.headers = {
      {"Authorization",
       "Basic " + Base64Encode(std::string(client_id) + ":" + std::string(client_secret))},
      {"Content-Type", "application/x-www-form-urlencoded"},
  };
  request.body = std::move(form);
  return request;
}

}  // namespace

std::string AuthorizationDetails(const TableName& table) {
  return PrivilegesOn(table, {"SELECT", "MODIFY"}, {"zerobuswrite"}).dump();
}

HttpRequest BuildTokenRequest(std::string_view workspace_url, std::string_view workspace_id,
                              const TableName& table, std::string_view client_id,
                              std::string_view client_secret) {
  return TokenRequest(workspace_url, client_id, client_secret,
                      "grant_type=client_credentials&scope=all-apis&resource=" +
                          FormEncode("api://databricks/workspaces/" + std::string(workspace_id) +
                                     "/zerobusDirectWriteApi") +
                          "&authorization_details=" + FormEncode(AuthorizationDetails(table)));
}

HttpRequest BuildSchemaTokenRequest(std::string_view workspace_url, const TableName& table,
                                    std::string_view client_id, std::string_view client_secret) {
  return TokenRequest(workspace_url, client_id, client_secret,
                      "grant_type=client_credentials&scope=all-apis&authorization_details=" +
                          FormEncode(PrivilegesOn(table, {"SELECT"}, {}).dump()));
}

Result<AccessToken> ParseTokenResponse(int http_status, std::string_view body,
                                       std::chrono::system_clock::time_point now) {
  const nlohmann::json parsed = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (http_status < 200 || http_status >= 300) {
    std::string detail;
    if (parsed.is_object()) {
      for (const char* key : {"error", "error_description", "message"}) {
        if (parsed.contains(key) && parsed[key].is_string()) {
          detail += (detail.empty() ? "" : ": ") + parsed[key].get<std::string>();
        }
      }
    }
    const std::string message = "token endpoint answered HTTP " + std::to_string(http_status) +
                                (detail.empty() ? "" : " (" + detail + ")");
    if (http_status >= 500) {
      return Status(StatusCode::kUnavailable, ErrorKind::kAuthentication, message, true);
    }
    const StatusCode code = http_status == 403   ? StatusCode::kPermissionDenied
                            : http_status == 429 ? StatusCode::kResourceExhausted
                                                 : StatusCode::kUnauthenticated;
    return Status(code, ErrorKind::kAuthentication, message, http_status == 429);
  }
  if (!parsed.is_object() || !parsed.contains("access_token") ||
      !parsed["access_token"].is_string() || parsed["access_token"].get<std::string>().empty()) {
    return Status(
        StatusCode::kUnauthenticated, ErrorKind::kAuthentication,
        "token endpoint answered HTTP " + std::to_string(http_status) + " without an access_token");
  }
  AccessToken token{parsed["access_token"].get<std::string>(), now};
  if (parsed.contains("expires_in")) {
    const auto& expires = parsed["expires_in"];
    int64_t seconds = 0;
    if (expires.is_number_integer()) {
      seconds = expires.get<int64_t>();
    } else if (expires.is_string()) {  // some servers quote it
      const std::string text = expires.get<std::string>();
      seconds = std::strtoll(text.c_str(), nullptr, 10);
    }
    // A lifetime past a year is taken as a year: the token is only refreshed sooner, and the
    // clock (nanoseconds) cannot overflow.
    constexpr int64_t kMaxLifetimeSeconds = 366 * 24 * 3600;
    seconds = std::min(seconds, kMaxLifetimeSeconds);
    if (seconds > 0) token.expires_at = now + std::chrono::seconds(seconds);
  }
  return token;
}

namespace {

/// RFC 3986's unreserved characters as they are, every other byte as %XX; a space as "+" when
/// `plus_for_space` (forms) or %20 (paths).
std::string PercentEncode(std::string_view value, bool plus_for_space) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : value) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += c;
    } else if (c == ' ' && plus_for_space) {
      out += '+';
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
  }
  return out;
}

}  // namespace

std::string FormEncode(std::string_view value) { return PercentEncode(value, true); }

std::string PathEncode(std::string_view value) { return PercentEncode(value, false); }

}  // namespace arrow_zerobus::auth
