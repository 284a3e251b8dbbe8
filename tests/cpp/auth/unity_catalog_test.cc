#include "auth/unity_catalog.h"

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "auth/curl_http_transport.h"
#include "emulator.h"
#include "schema/uc_descriptor.h"

namespace arrow_zerobus::auth {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kSecret[] = "very-secret-value";
constexpr char kToken[] = "tok-123-never-shown";

UnityCatalogTableRequest Request(const std::string& workspace = "https://ws.example.com/") {
  return {workspace, *ParseTableName("main.sales.orders"), "client-9", kSecret};
}

/// A transport that answers the token request with kToken and the GET with `status` and `body`,
/// and keeps the requests it saw.
struct FakeWorkspace {
  int status = 200;
  std::string body = R"({"columns":[]})";
  std::vector<HttpRequest> seen;

  HttpTransport transport() {
    return [this](const HttpRequest& request) -> Result<HttpResponse> {
      seen.push_back(request);
      if (request.method == "POST") {
        return HttpResponse{200, std::string(R"({"access_token":")") + kToken +
                                     R"(","token_type":"Bearer","expires_in":3600})"};
      }
      return HttpResponse{status, body};
    };
  }
};

TEST(FetchUnityCatalogTableTest, TakesASelectTokenThenGetsTheTable) {
  FakeWorkspace workspace;
  workspace.body = R"({"full_name":"main.sales.orders","columns":[]})";
  auto body = FetchUnityCatalogTable(Request(), workspace.transport());
  ASSERT_TRUE(body.ok()) << body.status();
  EXPECT_EQ(*body, workspace.body);
  ASSERT_EQ(workspace.seen.size(), 2u);

  const HttpRequest& token = workspace.seen[0];
  EXPECT_EQ(token.method, "POST");
  EXPECT_EQ(token.url, "https://ws.example.com/oidc/v1/token");
  EXPECT_THAT(token.body, AllOf(HasSubstr("scope=all-apis"), Not(HasSubstr("resource="))));
  const std::string details_field = "authorization_details=";
  const size_t at = token.body.find(details_field);
  ASSERT_NE(at, std::string::npos);
  std::string details;  // undo the form encoding of the JSON
  for (size_t i = at + details_field.size(); i < token.body.size() && token.body[i] != '&'; ++i) {
    if (token.body[i] == '%') {
      details += static_cast<char>(std::stoi(token.body.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      details += token.body[i] == '+' ? ' ' : token.body[i];
    }
  }
  const auto grants = nlohmann::json::parse(details);
  ASSERT_EQ(grants.size(), 3u);
  EXPECT_EQ(grants[2]["object_type"], "TABLE");
  EXPECT_EQ(grants[2]["object_full_path"], "main.sales.orders");
  EXPECT_EQ(grants[2]["privileges"], nlohmann::json::array({"SELECT"}));
  EXPECT_FALSE(grants[2].contains("operations"));

  const HttpRequest& get = workspace.seen[1];
  EXPECT_EQ(get.method, "GET");
  EXPECT_EQ(get.url, "https://ws.example.com/api/2.1/unity-catalog/tables/main.sales.orders");
  EXPECT_THAT(get.headers, ::testing::Contains(std::pair<std::string, std::string>(
                               "Authorization", std::string("Bearer ") + kToken)));
}

TEST(FetchUnityCatalogTableTest, EachRefusalNamesTheTableTheStatusAndTheServicesMessage) {
  struct Case {
    int status;
    StatusCode code;
    ErrorKind kind;
    bool retryable;
  };
  for (const Case& c : std::vector<Case>{
           {404, StatusCode::kInvalidArgument, ErrorKind::kConfiguration, false},
           {403, StatusCode::kPermissionDenied, ErrorKind::kAuthentication, false},
           {401, StatusCode::kUnauthenticated, ErrorKind::kAuthentication, false},
           {503, StatusCode::kUnavailable, ErrorKind::kAuthentication, true},
       }) {
    FakeWorkspace workspace;
    workspace.status = c.status;
    workspace.body = R"({"error_code":"SOME_CODE","message":"what the service said"})";
    auto body = FetchUnityCatalogTable(Request(), workspace.transport());
    ASSERT_FALSE(body.ok()) << c.status;
    const Status& status = body.status();
    EXPECT_EQ(status.kind(), c.kind) << c.status << ": " << status;
    if (c.kind != ErrorKind::kConfiguration) EXPECT_EQ(status.code(), c.code) << status;
    EXPECT_EQ(status.retryable(), c.retryable) << status;
    EXPECT_THAT(status.message(),
                AllOf(HasSubstr("main.sales.orders"), HasSubstr("HTTP " + std::to_string(c.status)),
                      HasSubstr("SOME_CODE: what the service said"), Not(HasSubstr(kToken)),
                      Not(HasSubstr(kSecret))));
  }
}

TEST(FetchUnityCatalogTableTest, TokenAndTransportFailuresNameTheTable) {
  HttpTransport refusing = [](const HttpRequest&) -> Result<HttpResponse> {
    return HttpResponse{401, R"({"error":"invalid_client","error_description":"bad secret"})"};
  };
  auto refused = FetchUnityCatalogTable(Request(), refusing);
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.status().message(), AllOf(HasSubstr("main.sales.orders"),
                                                HasSubstr("bad secret"), Not(HasSubstr(kSecret))));

  HttpTransport down = [](const HttpRequest&) -> Result<HttpResponse> {
    return Status(StatusCode::kUnavailable, ErrorKind::kAuthentication, "connection refused", true);
  };
  auto unreachable = FetchUnityCatalogTable(Request(), down);
  ASSERT_FALSE(unreachable.ok());
  EXPECT_TRUE(unreachable.status().retryable());
  EXPECT_THAT(unreachable.status().message(),
              AllOf(HasSubstr("main.sales.orders"), HasSubstr("connection refused")));
}

// The whole path on loopback: our token request and GET over libcurl, the emulator's Unity
// Catalog, and the descriptor built from what it served.
TEST(FetchUnityCatalogTableTest, FromTheEmulatorToADescriptor) {
  auto emulator = emulator::Emulator::Start();
  ASSERT_TRUE(emulator.ok()) << emulator.status();
  (*emulator)->DeclareTable("main.sales.orders", {{"id", "BIGINT", false},
                                                  {"tags", "ARRAY<STRING>", true},
                                                  {"amount", "DECIMAL(10,2)", true}});
  CurlOptions curl;
  curl.proxy = "";
  UnityCatalogTableRequest request{(*emulator)->workspace_url(),
                                   *ParseTableName("main.sales.orders"), emulator::kDefaultClientId,
                                   emulator::kDefaultClientSecret};
  auto body = FetchUnityCatalogTable(request, MakeCurlHttpTransport(curl));
  ASSERT_TRUE(body.ok()) << body.status();
  auto columns = schema::ParseUcTableColumns(*body);
  ASSERT_TRUE(columns.ok()) << columns.status();
  auto descriptor = schema::DescriptorFromUcColumns(*columns, "Orders");
  ASSERT_TRUE(descriptor.ok()) << descriptor.status();
  ASSERT_EQ(descriptor->field_size(), 3);
  EXPECT_EQ(descriptor->field(1).name(), "tags");

  request.table = *ParseTableName("main.sales.undeclared");
  auto missing = FetchUnityCatalogTable(request, MakeCurlHttpTransport(curl));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().kind(), ErrorKind::kConfiguration);
  EXPECT_THAT(missing.status().message(),
              AllOf(HasSubstr("main.sales.undeclared"), HasSubstr("HTTP 404"),
                    HasSubstr("TABLE_DOES_NOT_EXIST")));
}

}  // namespace
}  // namespace arrow_zerobus::auth
