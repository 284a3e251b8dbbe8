#include "auth/unity_catalog.h"

#include <nlohmann/json.hpp>

#include "common/text.h"

namespace arrow_zerobus::auth {
namespace {

/// "error_code: message" of a Databricks REST error body, or the start of a body that is not one.
std::string ServiceMessage(const std::string& body) {
  const auto json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  std::string text;
  if (json.is_object()) {
    for (const char* key : {"error_code", "message"}) {
      if (json.contains(key) && json[key].is_string()) {
        text += (text.empty() ? "" : ": ") + json[key].get<std::string>();
      }
    }
  }
  if (text.empty()) text = body.substr(0, 200);
  return text;
}

}  // namespace

Result<std::string> FetchUnityCatalogTable(const UnityCatalogTableRequest& request,
                                           const HttpTransport& transport) {
  const std::string table = request.table.full();
  auto with_table = [&](Status status) {
    return status.WithContext("reading table " + table + " from Unity Catalog");
  };
  const HttpRequest token_request = BuildSchemaTokenRequest(
      request.workspace_url, request.table, request.client_id, request.client_secret);
  auto token_response = transport(token_request);
  if (!token_response.ok()) return with_table(token_response.status());
  auto token = ParseTokenResponse(token_response->status, token_response->body,
                                  std::chrono::system_clock::now());
  if (!token.ok()) return with_table(token.status());

  HttpRequest get;
  get.method = "GET";
  get.url =
      UrlWithPath(request.workspace_url, "/api/2.1/unity-catalog/tables/" + PathEncode(table));
  get.headers = {{"Authorization", "Bearer " + token->value}, {"Accept", "application/json"}};
  auto response = transport(get);
  if (!response.ok()) return with_table(response.status());

  const int status = response->status;
  if (status == 200) return std::move(response->body);
  const std::string where = "GET " + get.url + " answered HTTP " + std::to_string(status) + " (" +
                            ServiceMessage(response->body) + ")";
  if (status == 404) {
    return ConfigurationError("table " + table +
                              " does not exist in Unity Catalog, or the OAuth client '" +
                              request.client_id + "' cannot see it: " + where);
  }
  if (status == 401 || status == 403) {
    return Status(status == 401 ? StatusCode::kUnauthenticated : StatusCode::kPermissionDenied,
                  ErrorKind::kAuthentication,
                  "the OAuth client '" + request.client_id + "' may not read table " + table +
                      " in Unity Catalog: " + where);
  }
  return Status(StatusCode::kUnavailable, ErrorKind::kAuthentication,
                "reading table " + table + " from Unity Catalog failed: " + where,
                /*retryable=*/status >= 500);
}

}  // namespace arrow_zerobus::auth
