// Reading a table's description from Unity Catalog, as the SDKs' schema tools do: a token for
// SELECT on the table from the workspace's token endpoint (BuildSchemaTokenRequest), then
// GET {workspace}/api/2.1/unity-catalog/tables/{catalog.schema.table} with it.
#pragma once

#include <chrono>
#include <string>

#include "auth/oauth_request.h"
#include "auth/token_provider.h"

namespace arrow_zerobus::auth {

struct UnityCatalogTableRequest {
  std::string workspace_url;  ///< e.g. https://dbc-a1b2.cloud.databricks.com
  TableName table;
  std::string client_id;
  std::string client_secret;
};

/// The TableInfo JSON body of `request.table`. Errors name the table, the URL and the HTTP
/// status with the service's message, never the secret or the token:
/// - the token endpoint's refusals as ParseTokenResponse gives them;
/// - 401 and 403: AuthenticationError (PERMISSION_DENIED / UNAUTHENTICATED), not retryable;
/// - 404: ConfigurationError, the table does not exist (or is not visible to the client);
/// - 5xx and transport failures: retryable UNAVAILABLE.
Result<std::string> FetchUnityCatalogTable(const UnityCatalogTableRequest& request,
                                           const HttpTransport& transport);

}  // namespace arrow_zerobus::auth
