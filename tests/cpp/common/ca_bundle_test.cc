#include "common/ca_bundle.h"

#include <map>
#include <set>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "stream/channel.h"

namespace arrow_zerobus {
namespace {

using ::testing::HasSubstr;

EnvironmentLookup Environment(std::map<std::string, std::string> values) {
  return [values = std::move(values)](const char* name) {
    auto it = values.find(name);
    return it == values.end() ? std::string() : it->second;
  };
}

auto FilesThatExist(std::set<std::string> paths) {
  return [paths = std::move(paths)](const std::string& path) { return paths.count(path) > 0; };
}

TEST(SystemCaBundlePathTest, SslCertFileWinsOverTheUsualPlaces) {
  EXPECT_EQ(SystemCaBundlePath(Environment({{"SSL_CERT_FILE", "/opt/corp/roots.pem"}}),
                               FilesThatExist({"/etc/ssl/certs/ca-certificates.crt"})),
            "/opt/corp/roots.pem");
}

TEST(SystemCaBundlePathTest, FindsTheBundleOfEachDistribution) {
  for (const char* path : KnownCaBundlePaths()) {
    EXPECT_EQ(SystemCaBundlePath(Environment({}), FilesThatExist({path})), path);
  }
}

TEST(SystemCaBundlePathTest, DebiansPathComesFirstAndNoneIsNullopt) {
  EXPECT_EQ(SystemCaBundlePath(
                Environment({}),
                FilesThatExist({"/etc/ssl/cert.pem", "/etc/ssl/certs/ca-certificates.crt"})),
            "/etc/ssl/certs/ca-certificates.crt");
  EXPECT_EQ(SystemCaBundlePath(Environment({}), FilesThatExist({})), std::nullopt);
}

TEST(SystemCaBundlePathTest, AnUnreadableSslCertFileFailsTheTlsChannelNamingIt) {
  auto endpoint = ParseZerobusEndpoint("https://123.zerobus.example.com");
  ASSERT_TRUE(endpoint.ok());
  stream::ChannelOptions options;
  options.environment = Environment({{"SSL_CERT_FILE", "/no/such/bundle.pem"}});
  auto channel = stream::CreateZerobusChannel(*endpoint, options);
  ASSERT_FALSE(channel.ok());
  EXPECT_EQ(channel.status().kind(), ErrorKind::kConfiguration);
  EXPECT_THAT(channel.status().message(), HasSubstr("/no/such/bundle.pem"));
}

}  // namespace
}  // namespace arrow_zerobus
