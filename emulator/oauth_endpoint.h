// The emulator's workspace HTTP endpoint:
// - POST /oidc/v1/token as a Databricks workspace serves it for Zerobus (client credentials, the
//   all-apis scope, the workspace's Zerobus resource and Unity Catalog authorization_details
//   granting MODIFY on the table, with or without the zerobuswrite operation), and for the schema
//   tools (the all-apis scope alone, or SELECT on the table without the Zerobus resource).
//   Tokens come from a TokenRegistry, scoped as requested (TokenScope).
// - GET /api/2.1/unity-catalog/tables/{full name}: a declared table's TableInfo
//   (unity_catalog_table.h), for a bearer token that may read it.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include <functional>
#include <optional>
#include <vector>

#include "arrow_zerobus/status.h"
#include "table_schema.h"
#include "token_registry.h"

namespace arrow_zerobus::emulator {

struct OAuthEndpointOptions {
  std::string host = "127.0.0.1";
  int port = 0;  ///< 0: the OS picks a free port
  /// client_id -> client_secret. Empty: any Basic credentials are accepted.
  std::map<std::string, std::string> clients;
  std::chrono::seconds token_lifetime{3600};
  /// When non-empty, `resource` must be api://databricks/workspaces/<id>/zerobusDirectWriteApi.
  std::string workspace_id;
  /// When true, the TABLE entry of authorization_details must carry the `zerobuswrite`
  /// operation, as current official clients send it (Rust core 2.2.0 and later). When false,
  /// an entry without `operations` is accepted too, as older clients send it (the Python SDK
  /// 0.2.0, Rust core 1.0.x); an `operations` list that leaves zerobuswrite out is refused
  /// either way.
  bool require_zerobuswrite = false;
  /// The columns of a declared table, nullopt for any other (Unity Catalog answers 404). Null:
  /// no table is declared.
  std::function<std::optional<std::vector<TableColumn>>(const std::string& table)> declared_columns;
};

/// Answers with JSON. The token path: 200 {access_token, token_type "Bearer", expires_in, scope},
/// or an OAuth error {error, error_description}: 401 invalid_client, 400 unsupported_grant_type /
/// invalid_scope / invalid_target / invalid_request; 405 for other methods. The table path: 200
/// TableInfo, or a Databricks error {error_code, message}: 401 UNAUTHENTICATED (no, unknown or
/// expired bearer token), 403 PERMISSION_DENIED (a token scoped to another table), 404
/// TABLE_DOES_NOT_EXIST (a table not declared). 404 for other paths.
class OAuthEndpoint {
 public:
  /// Binds and starts serving; returns once the server accepts connections.
  static Result<std::unique_ptr<OAuthEndpoint>> Start(OAuthEndpointOptions options,
                                                      std::shared_ptr<TokenRegistry> registry);
  /// Stops serving and waits for the requests in progress.
  ~OAuthEndpoint();
  OAuthEndpoint(const OAuthEndpoint&) = delete;
  OAuthEndpoint& operator=(const OAuthEndpoint&) = delete;

  int port() const;
  /// "http://127.0.0.1:<port>": the workspace URL clients use (token URL = url() + path).
  std::string url() const;
  /// HTTP requests received so far, on any path.
  int64_t requests() const;

 private:
  struct Impl;
  explicit OAuthEndpoint(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace arrow_zerobus::emulator
