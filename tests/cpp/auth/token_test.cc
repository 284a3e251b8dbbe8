#include <chrono>
#include <map>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "auth/oauth_request.h"
#include "auth/token_provider.h"
#include "common/text.h"

namespace arrow_zerobus::auth {
namespace {

using std::chrono::seconds;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(ParseTableNameTest, ExactlyThreeNonEmptyParts) {
  auto name = ParseTableName("main.sales.orders");
  ASSERT_TRUE(name.ok());
  EXPECT_EQ(name->catalog, "main");
  EXPECT_EQ(name->full(), "main.sales.orders");
  for (const char* bad : {"orders", "sales.orders", "a.b.c.d", ".b.c", "a..c", "a.b."}) {
    auto parsed = ParseTableName(bad);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.status().kind(), ErrorKind::kConfiguration);
    EXPECT_THAT(parsed.status().message(), HasSubstr(std::string("'") + bad + "'"));
  }
  EXPECT_THAT(ParseTableName("a..c").status().message(), HasSubstr("empty schema"));
}

/// Splits "k1=v1&k2=v2" and undoes FormEncode.
std::map<std::string, std::string> DecodeForm(const std::string& body) {
  std::map<std::string, std::string> out;
  size_t start = 0;
  while (start < body.size()) {
    size_t amp = body.find('&', start);
    if (amp == std::string::npos) amp = body.size();
    const std::string pair = body.substr(start, amp - start);
    const size_t eq = pair.find('=');
    std::string value;
    for (size_t i = eq + 1; i < pair.size(); ++i) {
      if (pair[i] == '+') {
        value += ' ';
      } else if (pair[i] == '%') {
        value += static_cast<char>(std::stoi(pair.substr(i + 1, 2), nullptr, 16));
        i += 2;
      } else {
        value += pair[i];
      }
    }
    out[pair.substr(0, eq)] = value;
    start = amp + 1;
  }
  return out;
}

TEST(BuildTokenRequestTest, MatchesTheServicesRequest) {
  const TableName table{"main", "sales", "orders"};
  const HttpRequest request =
      BuildTokenRequest("https://dbc-1.cloud.databricks.com/", "1234", table, "my-app", "s3cr:et");
  EXPECT_EQ(request.url, "https://dbc-1.cloud.databricks.com/oidc/v1/token");
  ASSERT_EQ(request.headers.size(), 2u);
  EXPECT_EQ(request.headers[0].first, "Authorization");
  EXPECT_EQ(request.headers[0].second, "Basic " + Base64Encode("my-app:s3cr:et"));
  EXPECT_EQ(request.headers[1].second, "application/x-www-form-urlencoded");

  const auto form = DecodeForm(request.body);
  EXPECT_EQ(form.at("grant_type"), "client_credentials");
  EXPECT_EQ(form.at("scope"), "all-apis");
  EXPECT_EQ(form.at("resource"), "api://databricks/workspaces/1234/zerobusDirectWriteApi");
  const auto details = nlohmann::json::parse(form.at("authorization_details"));
  ASSERT_TRUE(details.is_array());
  ASSERT_EQ(details.size(), 3u);
  EXPECT_EQ(details[0]["object_type"], "CATALOG");
  EXPECT_EQ(details[0]["object_full_path"], "main");
  EXPECT_EQ(details[0]["privileges"], nlohmann::json({"USE CATALOG"}));
  EXPECT_EQ(details[1]["object_full_path"], "main.sales");
  EXPECT_EQ(details[1]["privileges"], nlohmann::json({"USE SCHEMA"}));
  EXPECT_EQ(details[2]["object_type"], "TABLE");
  EXPECT_EQ(details[2]["object_full_path"], "main.sales.orders");
  EXPECT_EQ(details[2]["privileges"], nlohmann::json({"SELECT", "MODIFY"}));
  EXPECT_EQ(details[2]["operations"], nlohmann::json({"zerobuswrite"}));
  for (const auto& entry : details) EXPECT_EQ(entry["type"], "unity_catalog_privileges");
  // The secret travels only in the Basic header, never in the body.
  EXPECT_THAT(request.body, Not(HasSubstr("s3cr")));
}

TEST(Base64EncodeTest, KnownVectors) {
  EXPECT_EQ(Base64Encode(""), "");
  EXPECT_EQ(Base64Encode("f"), "Zg==");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(Base64Encode("foo"), "Zm9v");
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(Base64Encode(std::string("\xff\x00\x10", 3)), "/wAQ");
}

const auto kNow = std::chrono::system_clock::time_point{} + std::chrono::hours(1000);

TEST(ParseTokenResponseTest, TokenAndLifetime) {
  auto token = ParseTokenResponse(200, R"({"access_token":"abc","expires_in":3600})", kNow);
  ASSERT_TRUE(token.ok()) << token.status();
  EXPECT_EQ(token->value, "abc");
  EXPECT_EQ(token->expires_at, kNow + seconds(3600));
  auto quoted = ParseTokenResponse(200, R"({"access_token":"abc","expires_in":"60"})", kNow);
  ASSERT_TRUE(quoted.ok());
  EXPECT_EQ(quoted->expires_at, kNow + seconds(60));
  auto no_lifetime = ParseTokenResponse(200, R"({"access_token":"abc"})", kNow);
  ASSERT_TRUE(no_lifetime.ok());
  EXPECT_EQ(no_lifetime->expires_at, kNow);
}

TEST(ParseTokenResponseTest, FailuresAreClassified) {
  auto refused = ParseTokenResponse(
      401, R"({"error":"invalid_client","error_description":"Client authentication failed"})",
      kNow);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().kind(), ErrorKind::kAuthentication);
  EXPECT_EQ(refused.status().code(), StatusCode::kUnauthenticated);
  EXPECT_FALSE(refused.status().retryable());
  EXPECT_THAT(refused.status().message(),
              HasSubstr("HTTP 401 (invalid_client: Client authentication failed)"));

  auto forbidden = ParseTokenResponse(403, "not json", kNow);
  EXPECT_EQ(forbidden.status().code(), StatusCode::kPermissionDenied);
  EXPECT_FALSE(forbidden.status().retryable());

  auto unavailable = ParseTokenResponse(503, "", kNow);
  EXPECT_TRUE(unavailable.status().retryable());
  EXPECT_EQ(unavailable.status().code(), StatusCode::kUnavailable);

  auto throttled = ParseTokenResponse(429, "", kNow);
  EXPECT_TRUE(throttled.status().retryable());

  auto empty = ParseTokenResponse(200, R"({"token_type":"Bearer"})", kNow);
  ASSERT_FALSE(empty.ok());
  EXPECT_THAT(empty.status().message(), HasSubstr("without an access_token"));
}

/// Hands out numbered tokens with a fixed lifetime, or a scripted failure.
class CountingProvider : public TokenProvider {
 public:
  CountingProvider(std::chrono::system_clock::time_point* now, seconds lifetime)
      : now_(now), lifetime_(lifetime) {}
  Result<AccessToken> GetToken() override {
    ++calls;
    if (!fail.ok()) return fail;
    return AccessToken{"token-" + std::to_string(calls), *now_ + lifetime_};
  }
  void Invalidate() override { ++invalidations; }

  int calls = 0;
  int invalidations = 0;
  Status fail;

 private:
  std::chrono::system_clock::time_point* now_;
  seconds lifetime_;
};

class CachingTokenProviderTest : public ::testing::Test {
 protected:
  CachingTokenProviderTest() {
    auto inner = std::make_unique<CountingProvider>(&now, seconds(3600));
    counting = inner.get();
    provider = std::make_unique<CachingTokenProvider>(std::move(inner), seconds(300),
                                                      [this] { return now; });
  }
  std::chrono::system_clock::time_point now = kNow;
  CountingProvider* counting;
  std::unique_ptr<CachingTokenProvider> provider;
};

TEST_F(CachingTokenProviderTest, ReusesTheTokenUntilShortlyBeforeExpiry) {
  EXPECT_EQ(provider->GetToken()->value, "token-1");
  now += seconds(3299);
  EXPECT_EQ(provider->GetToken()->value, "token-1");
  now += seconds(1);  // 300 s before expiry: refreshed
  EXPECT_EQ(provider->GetToken()->value, "token-2");
  EXPECT_EQ(counting->calls, 2);
}

TEST_F(CachingTokenProviderTest, ServesTheCachedTokenWhenARefreshFailsInTime) {
  EXPECT_EQ(provider->GetToken()->value, "token-1");
  counting->fail = Status(StatusCode::kUnavailable, ErrorKind::kAuthentication, "down", true);
  now += seconds(3400);  // inside the refresh window, still valid
  auto token = provider->GetToken();
  ASSERT_TRUE(token.ok());
  EXPECT_EQ(token->value, "token-1");
  now += seconds(200);  // expired: the failure surfaces
  auto expired = provider->GetToken();
  ASSERT_FALSE(expired.ok());
  EXPECT_THAT(expired.status().message(), HasSubstr("down"));
}

TEST_F(CachingTokenProviderTest, InvalidateForcesANewToken) {
  EXPECT_EQ(provider->GetToken()->value, "token-1");
  provider->Invalidate();
  EXPECT_EQ(counting->invalidations, 1);
  EXPECT_EQ(provider->GetToken()->value, "token-2");
}

OAuthTokenProvider::Options OrdersOptions() {
  return {"https://dbc-1.cloud.databricks.com", "1234", TableName{"main", "sales", "orders"},
          "my-app", "hunter2"};
}

TEST(OAuthTokenProviderTest, SendsTheTokenRequestAndReadsTheToken) {
  std::vector<HttpRequest> sent;
  OAuthTokenProvider provider(
      OrdersOptions(),
      [&sent](const HttpRequest& request) -> Result<HttpResponse> {
        sent.push_back(request);
        return HttpResponse{200, R"({"access_token":"tok","expires_in":3600})"};
      },
      [] { return kNow; });
  auto token = provider.GetToken();
  ASSERT_TRUE(token.ok()) << token.status();
  EXPECT_EQ(token->value, "tok");
  EXPECT_EQ(token->expires_at, kNow + seconds(3600));
  ASSERT_EQ(sent.size(), 1u);
  const HttpRequest expected =
      BuildTokenRequest("https://dbc-1.cloud.databricks.com", "1234",
                        TableName{"main", "sales", "orders"}, "my-app", "hunter2");
  EXPECT_EQ(sent[0].url, expected.url);
  EXPECT_EQ(sent[0].body, expected.body);
  EXPECT_EQ(sent[0].headers, expected.headers);
}

TEST(OAuthTokenProviderTest, RefusalsNameTableAndUrlButNotTheSecret) {
  OAuthTokenProvider provider(
      OrdersOptions(),
      [](const HttpRequest&) -> Result<HttpResponse> {
        return HttpResponse{401, R"({"error":"invalid_client"})"};
      },
      [] { return kNow; });
  auto token = provider.GetToken();
  ASSERT_FALSE(token.ok());
  EXPECT_FALSE(token.status().retryable());
  EXPECT_THAT(token.status().message(),
              AllOf(HasSubstr("main.sales.orders"), HasSubstr("/oidc/v1/token"),
                    HasSubstr("invalid_client"), Not(HasSubstr("hunter2"))));
}

TEST(OAuthTokenProviderTest, TransportFailuresKeepTheTransportsVerdict) {
  OAuthTokenProvider provider(OrdersOptions(), [](const HttpRequest&) -> Result<HttpResponse> {
    return ConfigurationError("URL 'htp://x' has an unsupported scheme");
  });
  auto token = provider.GetToken();
  ASSERT_FALSE(token.ok());
  EXPECT_FALSE(token.status().retryable());
  EXPECT_EQ(token.status().kind(), ErrorKind::kConfiguration);
  EXPECT_THAT(token.status().message(), HasSubstr("unsupported scheme"));
}

TEST(OAuthTokenProviderTest, TransportFailuresAreRetryable) {
  OAuthTokenProvider provider(OrdersOptions(), [](const HttpRequest&) -> Result<HttpResponse> {
    return Status(StatusCode::kUnavailable, ErrorKind::kAuthentication, "connection refused",
                  /*retryable=*/true);
  });
  auto token = provider.GetToken();
  ASSERT_FALSE(token.ok());
  EXPECT_TRUE(token.status().retryable());
  EXPECT_EQ(token.status().kind(), ErrorKind::kAuthentication);
  EXPECT_THAT(token.status().message(), HasSubstr("connection refused"));
}

}  // namespace
}  // namespace arrow_zerobus::auth
