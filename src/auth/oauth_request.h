// The OAuth machine-to-machine token request Zerobus expects (protocol reference 3.1, with the
// `zerobuswrite` operation of the updates) and the parsing of its response.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "arrow_zerobus/status.h"

namespace arrow_zerobus::auth {

struct TableName {
  std::string catalog;
  std::string schema;
  std::string table;
  std::string full() const { return catalog + "." + schema + "." + table; }
};

/// "catalog.schema.table": exactly three non-empty parts.
Result<TableName> ParseTableName(std::string_view name);

struct HttpRequest {
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string method = "POST";  ///< POST (with `body`) or GET
};

/// The token request: POST <workspace_url>/oidc/v1/token, HTTP Basic client credentials, a form
/// with grant_type, scope, resource (the workspace's Zerobus API) and authorization_details
/// (catalog, schema and table privileges, the table with the zerobuswrite operation).
HttpRequest BuildTokenRequest(std::string_view workspace_url, std::string_view workspace_id,
                              const TableName& table, std::string_view client_id,
                              std::string_view client_secret);

/// The token request for reading `table`'s schema from Unity Catalog, as the Rust SDK's schema
/// tool makes it: no Zerobus resource, and SELECT (not MODIFY) on the table, with USE CATALOG
/// and USE SCHEMA on its parents.
HttpRequest BuildSchemaTokenRequest(std::string_view workspace_url, const TableName& table,
                                    std::string_view client_id, std::string_view client_secret);

/// The authorization_details JSON array for writing to `table` through Zerobus.
std::string AuthorizationDetails(const TableName& table);

struct AccessToken {
  std::string value;
  /// When the token stops being valid; equal to the fetch time when the server gave no lifetime.
  std::chrono::system_clock::time_point expires_at;
};

/// Reads a token endpoint response. 4xx: AuthenticationError, not retryable; 5xx: retryable;
/// a body without access_token: not retryable. Errors carry the server's error text, never the
/// request's secret.
Result<AccessToken> ParseTokenResponse(int http_status, std::string_view body,
                                       std::chrono::system_clock::time_point now);

/// application/x-www-form-urlencoded (a space as "+").
std::string FormEncode(std::string_view value);
/// A URL path segment (a space as %20).
std::string PathEncode(std::string_view value);

}  // namespace arrow_zerobus::auth
