#include "common/endpoint.h"
#include "stream/channel.h"

#include <map>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "arrow_zerobus/version.h"

namespace arrow_zerobus {
namespace {

using ::testing::HasSubstr;

TEST(ParseZerobusEndpointTest, ProductionFormsUseTlsOn443AndTheWorkspaceId) {
  for (const char* text : {"https://1234567890123456.zerobus.us-west-2.cloud.databricks.com",
                           "1234567890123456.zerobus.us-west-2.cloud.databricks.com",
                           "HTTPS://1234567890123456.zerobus.us-west-2.cloud.databricks.com/"}) {
    auto endpoint = ParseZerobusEndpoint(text);
    ASSERT_TRUE(endpoint.ok()) << text << ": " << endpoint.status();
    EXPECT_TRUE(endpoint->tls);
    EXPECT_EQ(endpoint->port, 443);
    EXPECT_EQ(endpoint->host, "1234567890123456.zerobus.us-west-2.cloud.databricks.com");
    EXPECT_EQ(endpoint->workspace_id, "1234567890123456");
    EXPECT_EQ(endpoint->target(), "1234567890123456.zerobus.us-west-2.cloud.databricks.com:443");
  }
}

TEST(ParseZerobusEndpointTest, LocalPlaintextEndpoints) {
  auto local = ParseZerobusEndpoint("http://127.0.0.1:50051");
  ASSERT_TRUE(local.ok());
  EXPECT_FALSE(local->tls);
  EXPECT_EQ(local->target(), "127.0.0.1:50051");
  EXPECT_EQ(local->workspace_id, "127");

  auto named = ParseZerobusEndpoint("http://localhost:8080");
  ASSERT_TRUE(named.ok());
  EXPECT_EQ(named->workspace_id, "localhost");

  auto v6 = ParseZerobusEndpoint("http://[::1]:7000");
  ASSERT_TRUE(v6.ok()) << v6.status();
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->target(), "[::1]:7000");

  auto no_port = ParseZerobusEndpoint("http://emulator");
  ASSERT_TRUE(no_port.ok());
  EXPECT_EQ(no_port->port, 80);
}

TEST(ParseZerobusEndpointTest, ErrorsNameTheEndpointAndTheProblem) {
  const std::pair<const char*, const char*> cases[] = {
      {"ftp://host", "scheme 'ftp'"},
      {"https://host/path", "path"},
      {"https://host?x=1", "query"},
      {"https://", "no host"},
      {"https://host:", "invalid port ''"},
      {"https://host:0", "invalid port '0'"},
      {"https://host:65536", "invalid port '65536'"},
      {"https://host:12a", "invalid port '12a'"},
      {"https://ho st", "character ' '"},
      {"::1", "brackets"},
      {"http://[::1", "unclosed"},
      {"http://[::1]x", "after the IPv6"},
  };
  for (const auto& [text, problem] : cases) {
    auto endpoint = ParseZerobusEndpoint(text);
    ASSERT_FALSE(endpoint.ok()) << text;
    EXPECT_EQ(endpoint.status().kind(), ErrorKind::kConfiguration);
    EXPECT_THAT(endpoint.status().message(), HasSubstr("'" + std::string(text) + "'"));
    EXPECT_THAT(endpoint.status().message(), HasSubstr(problem)) << text;
  }
}

TEST(ParseZerobusEndpointTest, UserInformationIsRefusedWithoutRepeatingIt) {
  for (const char* text : {"http://user:pw@localhost:50051", "user:pw@host.zerobus.example"}) {
    auto endpoint = ParseZerobusEndpoint(text);
    ASSERT_FALSE(endpoint.ok()) << text;
    EXPECT_EQ(endpoint.status().kind(), ErrorKind::kConfiguration);
    EXPECT_THAT(endpoint.status().message(), HasSubstr("user information"));
    EXPECT_THAT(endpoint.status().message(), HasSubstr("<hidden>@"));
    EXPECT_THAT(endpoint.status().message(), ::testing::Not(HasSubstr("pw"))) << text;
  }
}

EnvironmentLookup FakeEnvironment(std::map<std::string, std::string> values) {
  return [values](const char* name) {
    auto it = values.find(name);
    return it == values.end() ? std::string() : it->second;
  };
}

TEST(SelectProxyTest, FirstNonEmptyVariableWins) {
  EXPECT_EQ(SelectProxy("h.example.com", FakeEnvironment({})), std::nullopt);
  EXPECT_EQ(SelectProxy("h.example.com", FakeEnvironment({{"grpc_proxy", ""},
                                                          {"HTTPS_PROXY", "http://p:3128"},
                                                          {"http_proxy", "http://other:1"}})),
            "http://p:3128");
  EXPECT_EQ(SelectProxy("h.example.com", FakeEnvironment({{"GRPC_PROXY", "http://g:1"},
                                                          {"https_proxy", "http://p:3128"}})),
            "http://g:1");
}

TEST(SelectProxyTest, NoProxyListBypassesExactAndSuffixMatches) {
  const auto env = [](std::string list) {
    return FakeEnvironment({{"https_proxy", "http://p:3128"}, {"NO_PROXY", list}});
  };
  EXPECT_EQ(SelectProxy("h.example.com", env("example.com")), std::nullopt);
  EXPECT_EQ(SelectProxy("h.example.com", env(" other.org , .example.com")), std::nullopt);
  EXPECT_EQ(SelectProxy("example.com", env("example.com")), std::nullopt);
  EXPECT_EQ(SelectProxy("H.Example.COM", env("example.com")), std::nullopt);
  EXPECT_EQ(SelectProxy("anything", env("*")), std::nullopt);
  EXPECT_EQ(SelectProxy("badexample.com", env("example.com")), "http://p:3128");
  EXPECT_EQ(SelectProxy("h.example.com", env("other.org")), "http://p:3128");
  // no_grpc_proxy takes precedence over no_proxy.
  EXPECT_EQ(SelectProxy("h.example.com", FakeEnvironment({{"https_proxy", "http://p:3128"},
                                                          {"no_grpc_proxy", "other.org"},
                                                          {"no_proxy", "example.com"}})),
            "http://p:3128");
}

TEST(GrpcProxyUriTest, AssumesHttpAndRefusesOtherSchemes) {
  EXPECT_EQ(*stream::GrpcProxyUri("127.0.0.1:3128"), "http://127.0.0.1:3128");
  EXPECT_EQ(*stream::GrpcProxyUri("http://user:pw@proxy:8080"), "http://user:pw@proxy:8080");
  EXPECT_EQ(*stream::GrpcProxyUri("HTTP://proxy:8080"), "HTTP://proxy:8080");
  auto https = stream::GrpcProxyUri("https://user:secret@proxy:8443");
  ASSERT_FALSE(https.ok());
  EXPECT_EQ(https.status().kind(), ErrorKind::kConfiguration);
  EXPECT_THAT(https.status().message(), HasSubstr("https scheme"));
  EXPECT_THAT(https.status().message(), ::testing::Not(HasSubstr("secret")));
}

TEST(UserAgentTest, NamesTheLibraryVersionAndTheApplication) {
  EXPECT_EQ(UserAgent(), std::string("arrow-zerobus-cpp/") + ARROW_ZEROBUS_VERSION);
  EXPECT_EQ(UserAgent("orders-loader/2.1"),
            std::string("arrow-zerobus-cpp/") + ARROW_ZEROBUS_VERSION + " orders-loader/2.1");
}

}  // namespace
}  // namespace arrow_zerobus
