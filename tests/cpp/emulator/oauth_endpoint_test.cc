#include "oauth_endpoint.h"

#include <httplib.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "auth/curl_http_transport.h"
#include "auth/oauth_request.h"
#include "auth/token_provider.h"
#include "emulator.h"
#include "token_registry.h"

namespace arrow_zerobus::emulator {
namespace {

using std::chrono::seconds;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr char kClientId[] = "client-1";
constexpr char kSecret[] = "s3cr3t-Value";
constexpr char kWorkspaceId[] = "1234567890";
constexpr char kTable[] = "main.sales.orders";
constexpr char kOtherTable[] = "main.sales.returns";
constexpr seconds kLifetime{1800};

const std::chrono::system_clock::time_point kEpoch{seconds(1'750'000'000)};

/// authorization_details exactly as databricks-zerobus-ingest-sdk 0.2.0 sends it (Python's
/// json.dumps of its list): the TABLE entry has SELECT and MODIFY but no `operations`, like every
/// official client before Rust core 2.2.0.
constexpr char kLegacyDetails[] =
    R"([{"type": "unity_catalog_privileges", "privileges": ["USE CATALOG"], )"
    R"("object_type": "CATALOG", "object_full_path": "main"}, )"
    R"({"type": "unity_catalog_privileges", "privileges": ["USE SCHEMA"], )"
    R"("object_type": "SCHEMA", "object_full_path": "main.sales"}, )"
    R"({"type": "unity_catalog_privileges", "privileges": ["SELECT", "MODIFY"], )"
    R"("object_type": "TABLE", "object_full_path": "main.sales.orders"}])";

/// Our client's transport, ignoring any proxy of the test environment: the endpoint is local.
auth::HttpTransport Transport() {
  auth::CurlOptions options;
  options.proxy = "";
  options.timeout = std::chrono::milliseconds(5000);
  return auth::MakeCurlHttpTransport(options);
}

/// Builds the form body field by field, encoded as our client encodes it.
std::string FormBody(const std::map<std::string, std::string>& fields) {
  std::string body;
  for (const auto& [name, value] : fields) {
    body += (body.empty() ? "" : "&") + name + "=" + auth::FormEncode(value);
  }
  return body;
}

nlohmann::json Privilege(const std::string& type, const std::string& path,
                         std::vector<std::string> privileges) {
  return {{"type", "unity_catalog_privileges"},
          {"privileges", std::move(privileges)},
          {"object_type", type},
          {"object_full_path", path}};
}

class OAuthEndpointTest : public ::testing::Test {
 protected:
  void SetUp() override {
    registry_ =
        std::make_shared<TokenRegistry>([this] { return kEpoch + seconds(offset_.load()); });
    Restart(/*require_zerobuswrite=*/false);
  }

  /// Replaces the endpoint by one with the same settings and this `require_zerobuswrite`.
  void Restart(bool require_zerobuswrite) {
    endpoint_.reset();
    OAuthEndpointOptions options;
    options.clients = {{kClientId, kSecret}};
    options.token_lifetime = kLifetime;
    options.workspace_id = kWorkspaceId;
    options.require_zerobuswrite = require_zerobuswrite;
    options.declared_columns = [](const std::string& table) {
      std::optional<std::vector<TableColumn>> columns;
      if (table == kTable || table == kOtherTable) {
        columns = std::vector<TableColumn>{{"id", "BIGINT", false}, {"note", "STRING", true}};
      }
      return columns;
    };
    auto started = OAuthEndpoint::Start(options, registry_);
    ASSERT_TRUE(started.ok()) << started.status();
    endpoint_ = std::move(started).value();
  }

  auth::TableName Table(const std::string& name = kTable) { return *auth::ParseTableName(name); }

  auth::HttpRequest TokenRequest(const std::string& secret = kSecret,
                                 const std::string& table = kTable) {
    return auth::BuildTokenRequest(endpoint_->url(), kWorkspaceId, Table(table), kClientId, secret);
  }

  /// The fields of our client's request, for tests that change one of them.
  std::map<std::string, std::string> Fields() {
    return {{"grant_type", "client_credentials"},
            {"scope", "all-apis"},
            {"resource",
             std::string("api://databricks/workspaces/") + kWorkspaceId + "/zerobusDirectWriteApi"},
            {"authorization_details", auth::AuthorizationDetails(Table())}};
  }

  auth::HttpResponse Post(const auth::HttpRequest& request) {
    auto response = transport_(request);
    EXPECT_TRUE(response.ok()) << response.status();
    return response.ok() ? *response : auth::HttpResponse{};
  }

  auth::HttpResponse PostBody(std::string body) {
    auth::HttpRequest request = TokenRequest();
    request.body = std::move(body);
    return Post(request);
  }

  std::unique_ptr<auth::OAuthTokenProvider> Provider(const std::string& secret) {
    auth::OAuthTokenProvider::Options options{endpoint_->url(), kWorkspaceId, Table(), kClientId,
                                              secret};
    return std::make_unique<auth::OAuthTokenProvider>(
        options, Transport(), [this] { return kEpoch + seconds(offset_.load()); });
  }

  /// The access token of a token request made of `fields`, which must succeed.
  std::string TokenFor(const std::map<std::string, std::string>& fields) {
    const auth::HttpResponse response = PostBody(FormBody(fields));
    EXPECT_EQ(response.status, 200) << response.body;
    const auto json = nlohmann::json::parse(response.body, nullptr, false);
    return json.is_object() ? json.value("access_token", "") : "";
  }

  /// GET of a table's Unity Catalog TableInfo with `authorization` (no header when empty).
  httplib::Result GetTable(const std::string& table, const std::string& authorization) {
    httplib::Client client("127.0.0.1", endpoint_->port());
    client.set_read_timeout(5, 0);
    httplib::Headers headers;
    if (!authorization.empty()) headers.emplace("Authorization", authorization);
    return client.Get("/api/2.1/unity-catalog/tables/" + table, headers);
  }

  std::atomic<int64_t> offset_{0};
  std::shared_ptr<TokenRegistry> registry_;
  std::unique_ptr<OAuthEndpoint> endpoint_;
  auth::HttpTransport transport_ = Transport();
};

TEST_F(OAuthEndpointTest, IssuesATableBoundTokenToOurClientsRequest) {
  EXPECT_THAT(endpoint_->url(), StartsWith("http://127.0.0.1:"));
  EXPECT_GT(endpoint_->port(), 0);
  const auth::HttpResponse response = Post(TokenRequest());
  ASSERT_EQ(response.status, 200) << response.body;
  const auto json = nlohmann::json::parse(response.body);
  EXPECT_EQ(json["token_type"], "Bearer");
  EXPECT_EQ(json["expires_in"], kLifetime.count());
  EXPECT_EQ(json["scope"], "all-apis");

  auto token = auth::ParseTokenResponse(response.status, response.body, kEpoch);
  ASSERT_TRUE(token.ok()) << token.status();
  EXPECT_EQ(token->expires_at - kEpoch, kLifetime);
  EXPECT_THAT(token->value, StartsWith("emu-"));
  EXPECT_EQ(token->value.size(), 4u + 64u);
  EXPECT_EQ(token->value.find_first_not_of("0123456789abcdef", 4), std::string::npos);

  EXPECT_TRUE(registry_->Check(token->value, kTable).ok());
  const Status other = registry_->Check(token->value, "main.sales.returns");
  EXPECT_EQ(other.code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(other.kind(), ErrorKind::kAuthentication);
  EXPECT_FALSE(other.retryable());
  EXPECT_THAT(other.message(), AllOf(HasSubstr("token does not grant access to table "
                                               "main.sales.returns"),
                                     Not(HasSubstr(token->value))));
  EXPECT_EQ(registry_->issued_count(), 1);
  EXPECT_EQ(endpoint_->requests(), 1);
}

// The schema tools' token (zerobus-protocol §3.4): Python's and Java's send the all-apis scope
// alone. It reads any table's schema from Unity Catalog and opens no stream.
TEST_F(OAuthEndpointTest, ThePlainAllApisTokenReadsUnityCatalogAndStreamsNothing) {
  const std::string token = TokenFor({{"grant_type", "client_credentials"}, {"scope", "all-apis"}});
  ASSERT_FALSE(token.empty());
  for (const char* table : {kTable, kOtherTable}) {
    auto response = GetTable(table, "Bearer " + token);
    ASSERT_TRUE(response) << table;
    ASSERT_EQ(response->status, 200) << response->body;
    const auto info = nlohmann::json::parse(response->body);
    EXPECT_EQ(info["full_name"], table);
    ASSERT_EQ(info["columns"].size(), 2u);
    EXPECT_EQ(info["columns"][0]["type_text"], "bigint");
    EXPECT_EQ(info["columns"][0]["nullable"], false);
  }
  const Status stream = registry_->Check(token, kTable);
  EXPECT_EQ(stream.code(), StatusCode::kPermissionDenied);
  EXPECT_THAT(stream.message(), HasSubstr("without authorization_details"));
}

// The Rust schema tool's token: SELECT on the table and no Zerobus resource. It reads that table
// only, and opens no stream.
TEST_F(OAuthEndpointTest, ASelectTokenReadsItsOwnTableOnly) {
  const std::string token =
      TokenFor({{"grant_type", "client_credentials"},
                {"scope", "all-apis"},
                {"authorization_details",
                 nlohmann::json::array({Privilege("TABLE", kTable, {"SELECT"})}).dump()}});
  ASSERT_FALSE(token.empty());
  auto own = GetTable(kTable, "Bearer " + token);
  ASSERT_TRUE(own);
  EXPECT_EQ(own->status, 200) << own->body;
  auto other = GetTable(kOtherTable, "Bearer " + token);
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 403) << other->body;
  const auto error = nlohmann::json::parse(other->body);
  EXPECT_EQ(error["error_code"], "PERMISSION_DENIED");
  EXPECT_THAT(error["message"].get<std::string>(),
              AllOf(HasSubstr(kOtherTable), Not(HasSubstr(token))));
  const Status stream = registry_->Check(token, kTable);
  EXPECT_EQ(stream.code(), StatusCode::kPermissionDenied);
  EXPECT_THAT(stream.message(), HasSubstr("SELECT, not MODIFY"));
}

TEST_F(OAuthEndpointTest, AZerobusTokenReadsTheSchemaOfItsTableOnly) {
  auto token = auth::ParseTokenResponse(200, Post(TokenRequest()).body, kEpoch);
  ASSERT_TRUE(token.ok()) << token.status();
  auto own = GetTable(kTable, "Bearer " + token->value);
  ASSERT_TRUE(own);
  EXPECT_EQ(own->status, 200) << own->body;
  auto other = GetTable(kOtherTable, "Bearer " + token->value);
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 403) << other->body;
}

TEST_F(OAuthEndpointTest, UnityCatalogRefusesMissingUnknownAndExpiredTokensAndUnknownTables) {
  const std::string token = TokenFor({{"grant_type", "client_credentials"}, {"scope", "all-apis"}});
  for (const std::string authorization :
       {std::string(), std::string("Basic abc"), std::string("Bearer emu-unknown")}) {
    auto response = GetTable(kTable, authorization);
    ASSERT_TRUE(response) << authorization;
    EXPECT_EQ(response->status, 401) << authorization << ": " << response->body;
    EXPECT_EQ(nlohmann::json::parse(response->body)["error_code"], "UNAUTHENTICATED");
    EXPECT_THAT(response->get_header_value("WWW-Authenticate"), StartsWith("Bearer"));
  }
  auto missing = GetTable("main.sales.nothing_here", "Bearer " + token);
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404) << missing->body;
  const auto error = nlohmann::json::parse(missing->body);
  EXPECT_EQ(error["error_code"], "TABLE_DOES_NOT_EXIST");
  EXPECT_THAT(error["message"].get<std::string>(), HasSubstr("main.sales.nothing_here"));

  offset_ += kLifetime.count();
  auto expired = GetTable(kTable, "Bearer " + token);
  ASSERT_TRUE(expired);
  EXPECT_EQ(expired->status, 401) << expired->body;
}

TEST_F(OAuthEndpointTest, OAuthTokenProviderWithTheCurlTransport) {
  auto provider = Provider(kSecret);
  auto token = provider->GetToken();
  ASSERT_TRUE(token.ok()) << token.status();
  EXPECT_EQ(token->expires_at - kEpoch, kLifetime);
  EXPECT_TRUE(registry_->Check(token->value, kTable).ok());

  auto second = provider->GetToken();
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_NE(second->value, token->value);
  EXPECT_EQ(registry_->issued_count(), 2);
}

TEST_F(OAuthEndpointTest, WrongSecretIsANonRetryableAuthenticationErrorWithoutTheSecret) {
  const std::string wrong = "n0t-the-Secret";
  const auth::HttpResponse raw = Post(TokenRequest(wrong));
  EXPECT_EQ(raw.status, 401);
  EXPECT_EQ(nlohmann::json::parse(raw.body)["error"], "invalid_client");

  auto token = Provider(wrong)->GetToken();
  ASSERT_FALSE(token.ok());
  const Status& status = token.status();
  EXPECT_EQ(status.kind(), ErrorKind::kAuthentication);
  EXPECT_EQ(status.code(), StatusCode::kUnauthenticated);
  EXPECT_FALSE(status.retryable());
  EXPECT_THAT(status.message(),
              AllOf(HasSubstr("401"), HasSubstr("invalid_client"), HasSubstr(kClientId),
                    Not(HasSubstr(wrong)), Not(HasSubstr(kSecret))));
  EXPECT_EQ(registry_->issued_count(), 0);
}

TEST_F(OAuthEndpointTest, TextThatIsNotUtf8IsQuotedInTheErrorNotAServerError) {
  // The error descriptions quote what the client sent; JSON cannot hold bytes that are not UTF-8,
  // which made every such request an HTTP 500 (a retryable server error) instead of its refusal.
  const std::string bad = "client-\xff\xfe";
  const auth::HttpResponse client =
      Post(auth::BuildTokenRequest(endpoint_->url(), kWorkspaceId, Table(), bad, kSecret));
  EXPECT_EQ(client.status, 401) << client.body;
  const auto refused = nlohmann::json::parse(client.body, nullptr, /*allow_exceptions=*/false);
  ASSERT_FALSE(refused.is_discarded()) << client.body;
  EXPECT_EQ(refused["error"], "invalid_client");
  EXPECT_THAT(refused["error_description"].get<std::string>(), HasSubstr("client-\uFFFD"));

  auto fields = Fields();
  fields["grant_type"] = "\xc3\x28";
  auth::HttpRequest grant = TokenRequest();
  grant.body = FormBody(fields);
  const auth::HttpResponse unsupported = Post(grant);
  EXPECT_EQ(unsupported.status, 400) << unsupported.body;
  EXPECT_EQ(nlohmann::json::parse(unsupported.body)["error"], "unsupported_grant_type");
  EXPECT_EQ(registry_->issued_count(), 0);
}

TEST_F(OAuthEndpointTest, ClientAuthenticationIsRequired) {
  auth::HttpRequest unknown_client =
      auth::BuildTokenRequest(endpoint_->url(), kWorkspaceId, Table(), "client-2", kSecret);
  EXPECT_EQ(Post(unknown_client).status, 401);

  auth::HttpRequest no_auth = TokenRequest();
  std::erase_if(no_auth.headers, [](const auto& h) { return h.first == "Authorization"; });
  const auth::HttpResponse missing = Post(no_auth);
  EXPECT_EQ(missing.status, 401);
  EXPECT_THAT(nlohmann::json::parse(missing.body)["error_description"].get<std::string>(),
              HasSubstr("missing HTTP Basic"));

  auth::HttpRequest bearer = TokenRequest();
  for (auto& [name, value] : bearer.headers) {
    if (name == "Authorization") value = "Bearer abc";
  }
  EXPECT_EQ(Post(bearer).status, 401);

  auth::HttpRequest not_base64 = TokenRequest();
  for (auto& [name, value] : not_base64.headers) {
    if (name == "Authorization") value = "Basic !!!!";
  }
  EXPECT_EQ(Post(not_base64).status, 401);
  EXPECT_EQ(registry_->issued_count(), 0);
}

TEST_F(OAuthEndpointTest, AcceptsAnyCredentialsWhenNoClientsAreConfigured) {
  OAuthEndpointOptions options;  // no clients, no workspace id
  auto open = OAuthEndpoint::Start(options, registry_);
  ASSERT_TRUE(open.ok()) << open.status();
  auto request = auth::BuildTokenRequest((*open)->url(), "any-workspace", Table(), "anyone", "x");
  auto response = transport_(request);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 200) << response->body;

  std::erase_if(request.headers, [](const auto& h) { return h.first == "Authorization"; });
  response = transport_(request);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 401);
}

struct BadRequestCase {
  const char* name;
  std::function<void(std::map<std::string, std::string>&)> change;
  const char* error;
  const char* description;
};

TEST_F(OAuthEndpointTest, RejectsRequestsTheServiceWouldReject) {
  const auth::TableName t = Table();
  auto table_entry = [&](std::vector<std::string> privileges) {
    return Privilege("TABLE", kTable, std::move(privileges));
  };
  auto details = [&](nlohmann::json table) {
    return nlohmann::json::array({Privilege("CATALOG", t.catalog, {"USE CATALOG"}),
                                  Privilege("SCHEMA", t.catalog + "." + t.schema, {"USE SCHEMA"}),
                                  std::move(table)})
        .dump();
  };
  const std::vector<BadRequestCase> cases = {
      {"grant", [](auto& f) { f["grant_type"] = "password"; }, "unsupported_grant_type",
       "grant_type 'password'"},
      {"no grant", [](auto& f) { f.erase("grant_type"); }, "invalid_request", "missing grant_type"},
      {"scope", [](auto& f) { f["scope"] = "sql offline_access"; }, "invalid_scope",
       "does not include all-apis"},
      {"resource",
       [](auto& f) { f["resource"] = "api://databricks/workspaces/999/zerobusDirectWriteApi"; },
       "invalid_target", "workspaces/999/"},
      {"no resource", [](auto& f) { f.erase("resource"); }, "invalid_target",
       "api://databricks/workspaces/1234567890/zerobusDirectWriteApi"},
      {"no details", [](auto& f) { f.erase("authorization_details"); }, "invalid_request",
       "missing authorization_details"},
      {"details not json", [](auto& f) { f["authorization_details"] = "[{"; }, "invalid_request",
       "not valid JSON"},
      {"details not array", [](auto& f) { f["authorization_details"] = "{}"; }, "invalid_request",
       "not a JSON array"},
      {"other operation",
       [&](auto& f) {
         auto entry = table_entry({"SELECT", "MODIFY"});
         entry["operations"] = {"read"};
         f["authorization_details"] = details(entry);
       },
       "invalid_request",
       "TABLE entry for main.sales.orders lacks the zerobuswrite operation: its operations list "
       "names others only"},
      {"empty operations",
       [&](auto& f) {
         auto entry = table_entry({"SELECT", "MODIFY"});
         entry["operations"] = nlohmann::json::array();
         f["authorization_details"] = details(entry);
       },
       "invalid_request", "lacks the zerobuswrite operation: its operations list is empty"},
      {"operations not strings",
       [&](auto& f) {
         auto entry = table_entry({"SELECT", "MODIFY"});
         entry["operations"] = {1};
         f["authorization_details"] = details(entry);
       },
       "invalid_request", "operations value that is not a list of strings"},
      {"legacy request without modify",
       [&](auto& f) {
         auto all = nlohmann::json::parse(kLegacyDetails);
         all[2]["privileges"] = {"SELECT"};
         f["authorization_details"] = all.dump();
       },
       "invalid_request", "TABLE entry for main.sales.orders lacks the MODIFY privilege"},
      {"no modify",
       [&](auto& f) {
         auto entry = table_entry({"SELECT"});
         entry["operations"] = {"zerobuswrite"};
         f["authorization_details"] = details(entry);
       },
       "invalid_request", "TABLE entry for main.sales.orders lacks the MODIFY privilege"},
      {"no table",
       [&](auto& f) {
         f["authorization_details"] =
             nlohmann::json::array({Privilege("CATALOG", "main", {"USE CATALOG"})}).dump();
       },
       "invalid_request", "no TABLE entry"},
      {"no catalog",
       [&](auto& f) {
         auto all = nlohmann::json::parse(f["authorization_details"]);
         all.erase(0);
         f["authorization_details"] = all.dump();
       },
       "invalid_request", "no CATALOG entry granting USE CATALOG on main"},
      {"no schema",
       [&](auto& f) {
         auto all = nlohmann::json::parse(f["authorization_details"]);
         all.erase(1);
         f["authorization_details"] = all.dump();
       },
       "invalid_request", "no SCHEMA entry granting USE SCHEMA on main.sales"},
  };
  for (const BadRequestCase& c : cases) {
    SCOPED_TRACE(c.name);
    auto fields = Fields();
    c.change(fields);
    const auth::HttpResponse response = PostBody(FormBody(fields));
    ASSERT_EQ(response.status, 400) << response.body;
    const auto json = nlohmann::json::parse(response.body);
    EXPECT_EQ(json["error"], c.error);
    EXPECT_THAT(json["error_description"].get<std::string>(), HasSubstr(c.description));
    // What our client makes of it: a non-retryable authentication error with the description.
    auto parsed = auth::ParseTokenResponse(response.status, response.body, kEpoch);
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(parsed.status().kind(), ErrorKind::kAuthentication);
    EXPECT_FALSE(parsed.status().retryable());
    EXPECT_THAT(parsed.status().message(), AllOf(HasSubstr(c.error), HasSubstr(c.description)));
  }
  EXPECT_EQ(registry_->issued_count(), 0);
}

/// The token of a 200 answer, checked to be bound to kTable; empty (with a failure) otherwise.
std::string IssuedToken(const auth::HttpResponse& response, const TokenRegistry& registry) {
  EXPECT_EQ(response.status, 200) << response.body;
  auto token = auth::ParseTokenResponse(response.status, response.body, kEpoch);
  EXPECT_TRUE(token.ok()) << token.status();
  if (!token.ok()) return "";
  EXPECT_TRUE(registry.Check(token->value, kTable).ok());
  return token->value;
}

TEST_F(OAuthEndpointTest, AcceptsTheRequestOfOlderClientsWithoutOperationsByDefault) {
  // databricks-zerobus-ingest-sdk 0.2.0's request, field for field.
  auto fields = Fields();
  fields["authorization_details"] = kLegacyDetails;
  EXPECT_NE(IssuedToken(PostBody(FormBody(fields)), *registry_), "");

  // Current clients' request, with the operation, still works; so does any case of it, as
  // privileges are compared without case.
  EXPECT_THAT(auth::AuthorizationDetails(Table()), HasSubstr("zerobuswrite"));
  EXPECT_NE(IssuedToken(Post(TokenRequest()), *registry_), "");
  auto all = nlohmann::json::parse(kLegacyDetails);
  all[2]["operations"] = {"ZeroBusWrite", "other"};
  fields["authorization_details"] = all.dump();
  EXPECT_NE(IssuedToken(PostBody(FormBody(fields)), *registry_), "");
  EXPECT_EQ(registry_->issued_count(), 3);
}

TEST_F(OAuthEndpointTest, RequireZerobuswriteRefusesRequestsWithoutTheOperation) {
  Restart(/*require_zerobuswrite=*/true);
  auto fields = Fields();
  fields["authorization_details"] = kLegacyDetails;
  const auth::HttpResponse refused = PostBody(FormBody(fields));
  ASSERT_EQ(refused.status, 400) << refused.body;
  const auto json = nlohmann::json::parse(refused.body);
  EXPECT_EQ(json["error"], "invalid_request");
  EXPECT_EQ(json["error_description"],
            "the TABLE entry for main.sales.orders lacks the zerobuswrite operation, which this "
            "emulator requires (--require-zerobuswrite)");
  EXPECT_EQ(registry_->issued_count(), 0);

  // What our client makes of it: a non-retryable authentication error naming the cause.
  auto parsed = auth::ParseTokenResponse(refused.status, refused.body, kEpoch);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().kind(), ErrorKind::kAuthentication);
  EXPECT_FALSE(parsed.status().retryable());
  EXPECT_THAT(parsed.status().message(), HasSubstr("--require-zerobuswrite"));

  // An operations list without zerobuswrite is refused in this mode too.
  auto all = nlohmann::json::parse(kLegacyDetails);
  all[2]["operations"] = {"read"};
  fields["authorization_details"] = all.dump();
  const auth::HttpResponse other = PostBody(FormBody(fields));
  EXPECT_EQ(other.status, 400);
  EXPECT_THAT(other.body, HasSubstr("its operations list names others only"));

  // Our client sends the operation: its requests and its token provider still get tokens.
  EXPECT_NE(IssuedToken(Post(TokenRequest()), *registry_), "");
  auto token = Provider(kSecret)->GetToken();
  ASSERT_TRUE(token.ok()) << token.status();
  EXPECT_EQ(registry_->issued_count(), 2);
}

TEST(OAuthEndpointEmulatorTest, TheEmulatorOptionReachesTheTokenEndpoint) {
  for (const bool strict : {false, true}) {
    SCOPED_TRACE(strict ? "require_zerobuswrite" : "default");
    EmulatorOptions options;
    options.require_zerobuswrite = strict;
    auto emulator = Emulator::Start(options);
    ASSERT_TRUE(emulator.ok()) << emulator.status();
    auth::HttpRequest request =
        auth::BuildTokenRequest((*emulator)->workspace_url(), "", *auth::ParseTableName(kTable),
                                kDefaultClientId, kDefaultClientSecret);
    request.body = FormBody({{"grant_type", "client_credentials"},
                             {"scope", "all-apis"},
                             {"authorization_details", kLegacyDetails}});
    auto response = Transport()(request);
    ASSERT_TRUE(response.ok()) << response.status();
    EXPECT_EQ(response->status, strict ? 400 : 200) << response->body;
    if (strict) EXPECT_THAT(response->body, HasSubstr("--require-zerobuswrite"));
  }
}

TEST_F(OAuthEndpointTest, DecodesPercentEscapesAndPlusInTheForm) {
  // "%20" for the spaces instead of our client's "+", lower-case hex, escaped field names.
  auto fields = Fields();
  std::string body = "grant%5Ftype=client_credentials&scope=all-apis&resource=" +
                     auth::FormEncode(fields["resource"]) + "&authorization_details=";
  for (char c : fields["authorization_details"]) {
    static constexpr char kHex[] = "0123456789abcdef";
    const auto u = static_cast<unsigned char>(c);
    body += std::isalnum(u) ? std::string(1, c) : std::string{'%', kHex[u >> 4], kHex[u & 15]};
  }
  const auth::HttpResponse response = PostBody(body);
  EXPECT_EQ(response.status, 200) << response.body;

  const auth::HttpResponse malformed = PostBody(FormBody(Fields()) + "&extra=%G1");
  EXPECT_EQ(malformed.status, 400);
  EXPECT_THAT(malformed.body, HasSubstr("malformed percent-encoding in form field 'extra'"));

  const auth::HttpResponse repeated = PostBody(FormBody(Fields()) + "&scope=all-apis");
  EXPECT_EQ(repeated.status, 400);
  EXPECT_THAT(repeated.body, HasSubstr("'scope' appears more than once"));
}

TEST_F(OAuthEndpointTest, OtherPathsAndMethods) {
  auth::HttpRequest request = TokenRequest();
  request.url = endpoint_->url() + "/oidc/v1/other";
  const auth::HttpResponse other = Post(request);
  EXPECT_EQ(other.status, 404);
  EXPECT_THAT(other.body, HasSubstr("/oidc/v1/other"));

  httplib::Client client("127.0.0.1", endpoint_->port());
  auto get = client.Get("/oidc/v1/token");
  ASSERT_TRUE(get);
  EXPECT_EQ(get->status, 405);
  EXPECT_EQ(get->get_header_value("Allow"), "POST");
  auto root = client.Get("/");
  ASSERT_TRUE(root);
  EXPECT_EQ(root->status, 404);
  EXPECT_EQ(endpoint_->requests(), 3);
  EXPECT_EQ(registry_->issued_count(), 0);
}

TEST_F(OAuthEndpointTest, TokensExpireAfterTheirLifetime) {
  auto token = Provider(kSecret)->GetToken();
  ASSERT_TRUE(token.ok()) << token.status();
  offset_ = kLifetime.count() - 1;
  EXPECT_TRUE(registry_->Check(token->value, kTable).ok());
  offset_ = kLifetime.count();
  const Status expired = registry_->Check(token->value, kTable);
  EXPECT_EQ(expired.code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(expired.kind(), ErrorKind::kAuthentication);
  EXPECT_FALSE(expired.retryable());
  EXPECT_THAT(expired.message(), AllOf(HasSubstr("unknown or expired"), HasSubstr(kTable),
                                       Not(HasSubstr(token->value))));
}

TEST_F(OAuthEndpointTest, ExpireTokensForEndsOnlyThatTablesTokens) {
  auto orders = Provider(kSecret)->GetToken();
  ASSERT_TRUE(orders.ok()) << orders.status();
  auto returns_response = Post(TokenRequest(kSecret, "main.sales.returns"));
  auto returns = auth::ParseTokenResponse(returns_response.status, returns_response.body, kEpoch);
  ASSERT_TRUE(returns.ok()) << returns.status();

  registry_->ExpireTokensFor(kTable);
  EXPECT_EQ(registry_->Check(orders->value, kTable).code(), StatusCode::kUnauthenticated);
  EXPECT_TRUE(registry_->Check(returns->value, "main.sales.returns").ok());

  auto fresh = Provider(kSecret)->GetToken();  // a new token works again
  ASSERT_TRUE(fresh.ok()) << fresh.status();
  EXPECT_TRUE(registry_->Check(fresh->value, kTable).ok());
}

TEST_F(OAuthEndpointTest, ConcurrentRequestsAllSucceedWithDistinctTokens) {
  constexpr int kThreads = 8;
  std::vector<std::string> tokens(kThreads);
  std::vector<std::string> errors(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      auto token = Provider(kSecret)->GetToken();
      if (token.ok()) {
        tokens[i] = token->value;
      } else {
        errors[i] = token.status().ToString();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (int i = 0; i < kThreads; ++i) EXPECT_EQ(errors[i], "") << "thread " << i;
  const std::set<std::string> distinct(tokens.begin(), tokens.end());
  EXPECT_EQ(distinct.size(), static_cast<size_t>(kThreads));
  for (const auto& token : distinct) EXPECT_TRUE(registry_->Check(token, kTable).ok());
  EXPECT_EQ(registry_->issued_count(), kThreads);
  EXPECT_EQ(endpoint_->requests(), kThreads);
}

TEST(OAuthEndpointStartTest, ReportsUnusableSettings) {
  auto registry = std::make_shared<TokenRegistry>();
  auto no_registry = OAuthEndpoint::Start({}, nullptr);
  ASSERT_FALSE(no_registry.ok());
  EXPECT_EQ(no_registry.status().kind(), ErrorKind::kConfiguration);

  OAuthEndpointOptions zero_lifetime;
  zero_lifetime.token_lifetime = seconds(0);
  EXPECT_FALSE(OAuthEndpoint::Start(zero_lifetime, registry).ok());

  auto first = OAuthEndpoint::Start({}, registry);
  ASSERT_TRUE(first.ok()) << first.status();
  OAuthEndpointOptions same_port;
  same_port.port = (*first)->port();
  auto second = OAuthEndpoint::Start(same_port, registry);
  ASSERT_FALSE(second.ok()) << "two endpoints bound one port";
  EXPECT_THAT(second.status().message(),
              HasSubstr("127.0.0.1:" + std::to_string((*first)->port())));
}

TEST(TokenRegistryTest, UnknownTokensAreUnauthenticated) {
  TokenRegistry registry;
  const Status unknown = registry.Check("emu-not-issued", kTable);
  EXPECT_EQ(unknown.code(), StatusCode::kUnauthenticated);
  EXPECT_THAT(unknown.message(),
              AllOf(HasSubstr("unknown or expired"), Not(HasSubstr("emu-not-issued"))));
  const std::string token = registry.Issue(kTable, seconds(60));
  EXPECT_NE(registry.Issue(kTable, seconds(60)), token);
  EXPECT_TRUE(registry.Check(token, kTable).ok());
  EXPECT_EQ(registry.issued_count(), 2);
}

}  // namespace
}  // namespace arrow_zerobus::emulator
