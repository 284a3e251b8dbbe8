// Tests of WrapperConfiguration::FromEnvironment / ApplyEnvironment: one ZEROBUS_* variable per
// setting, empty means not set, errors name the variable, and the environment overrides YAML.
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "arrow_zerobus/config.h"
#include "config/setting_samples.h"

namespace arrow_zerobus {
namespace {

using config::testing::ExpectOnlyChange;
using config::testing::kSecretValue;
using config::testing::SampleSettings;
using config::testing::ScratchDirectory;
using config::testing::WriteFile;
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;

using Variables = std::map<std::string, std::string>;

std::function<std::string(const char*)> Lookup(const Variables& variables) {
  return [variables](const char* name) {
    const auto found = variables.find(name);
    return found == variables.end() ? std::string() : found->second;
  };
}

TEST(EnvironmentLoaderTest, EverySettingFromItsVariable) {
  ScratchDirectory dir;
  for (const auto& sample : SampleSettings(dir.path())) {
    SCOPED_TRACE(sample.key);
    const std::string variable = WrapperConfiguration::EnvironmentVariable(sample.key);
    auto config = WrapperConfiguration::FromEnvironment(Lookup({{variable, sample.text}}));
    ASSERT_TRUE(config.ok()) << config.status();
    ExpectOnlyChange(*config, sample);
  }
}

TEST(EnvironmentLoaderTest, NamesUsersAlreadyKnow) {
  auto config = WrapperConfiguration::FromEnvironment(Lookup({
      {"ZEROBUS_ENDPOINT", "https://1234.zerobus.us-west-2.cloud.databricks.com"},
      {"ZEROBUS_TABLE_NAME", "main.default.orders"},
      {"ZEROBUS_UNITY_CATALOG_URL", "https://example.cloud.databricks.com"},
      {"ZEROBUS_CLIENT_ID", "id"},
      {"ZEROBUS_CLIENT_SECRET", kSecretValue},
      {"ZEROBUS_WRITER_DISABLED", "false"},
      {"ZEROBUS_DEBUG_ENABLED", "true"},
      {"ZEROBUS_DEBUG_OUTPUT_DIR", "/tmp/debug"},
      {"ZEROBUS_RETRY_MAX_ATTEMPTS", "4"},
  }));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->zerobus_endpoint, "https://1234.zerobus.us-west-2.cloud.databricks.com");
  EXPECT_EQ(config->table_name, "main.default.orders");
  EXPECT_EQ(config->client_secret.expose(), kSecretValue);
  EXPECT_TRUE(config->debug_enabled);
  EXPECT_EQ(config->retry_max_attempts, 4);
  EXPECT_TRUE(config->validate().ok()) << config->validate();
}

TEST(EnvironmentLoaderTest, UnsetAndEmptyVariablesAreNotApplied) {
  WrapperConfiguration config("http://localhost:1", "a.b.c");
  config.with_debug_max_files_retained(4).with_credentials("id", kSecretValue);
  Variables empty;
  for (const std::string& key : WrapperConfiguration::SettingKeys()) {
    empty[WrapperConfiguration::EnvironmentVariable(key)] = "";
  }
  const std::string before = config.ToString();
  ASSERT_TRUE(config.ApplyEnvironment(Lookup(empty)).ok());
  ASSERT_TRUE(config.ApplyEnvironment(Lookup({})).ok());
  EXPECT_EQ(config.ToString(), before);
  EXPECT_EQ(config.client_secret.expose(), kSecretValue);
}

TEST(EnvironmentLoaderTest, OptionalsUnsetByWord) {
  auto config =
      WrapperConfiguration::FromEnvironment(Lookup({{"ZEROBUS_DEBUG_MAX_FILES_RETAINED", "none"}}));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->debug_max_files_retained, std::nullopt);
}

TEST(EnvironmentLoaderTest, ErrorsNameTheVariableAndLeaveTheConfigurationAlone) {
  WrapperConfiguration config("http://localhost:1", "a.b.c");
  const std::string before = config.ToString();
  const Status status = config.ApplyEnvironment(Lookup({
      {"ZEROBUS_TABLE_NAME", "x.y.z"},
      {"ZEROBUS_RETRY_MAX_ATTEMPTS", "three"},
      {"ZEROBUS_RECOVERY", "sometimes"},
  }));
  EXPECT_EQ(status.kind(), ErrorKind::kConfiguration);
  EXPECT_THAT(
      status.message(),
      AllOf(HasSubstr("environment variable ZEROBUS_RETRY_MAX_ATTEMPTS: "), HasSubstr("'three'"),
            HasSubstr("environment variable ZEROBUS_RECOVERY: "), HasSubstr("'sometimes'")));
  EXPECT_EQ(config.ToString(), before);
}

TEST(EnvironmentLoaderTest, MissingDescriptorFileIsAnIoErrorNamingVariableAndPath) {
  auto config = WrapperConfiguration::FromEnvironment(
      Lookup({{"ZEROBUS_DESCRIPTOR_PROTO", "/no/such/file.desc"}}));
  EXPECT_EQ(config.status().kind(), ErrorKind::kIo);
  EXPECT_THAT(config.status().message(),
              AllOf(HasSubstr("ZEROBUS_DESCRIPTOR_PROTO"), HasSubstr("/no/such/file.desc")));
}

TEST(EnvironmentLoaderTest, SecretNeverInErrors) {
  const Status status = WrapperConfiguration().ApplyEnvironment(Lookup({
      {"ZEROBUS_CLIENT_SECRET", kSecretValue},
      {"ZEROBUS_WORKER_THREADS", "lots"},
      {"ZEROBUS_DESCRIPTOR_PROTO", "/missing"},
  }));
  ASSERT_FALSE(status.ok());
  EXPECT_THAT(status.ToString(), Not(HasSubstr(kSecretValue)));
}

TEST(EnvironmentLoaderTest, OverridesYamlSettingBySetting) {
  ScratchDirectory dir;
  const auto path = dir.path() / "config.yaml";
  WriteFile(path, R"(
zerobus_endpoint: https://1234.zerobus.us-west-2.cloud.databricks.com
table_name: main.default.orders
retry:
  max_attempts: 3
  base_delay_ms: 50
debug:
  max_files_retained: 7
)");
  auto config = WrapperConfiguration::FromYamlFile(path);
  ASSERT_TRUE(config.ok()) << config.status();
  ASSERT_TRUE(config
                  ->ApplyEnvironment(Lookup({{"ZEROBUS_TABLE_NAME", "main.other.events"},
                                             {"ZEROBUS_RETRY_MAX_ATTEMPTS", "9"},
                                             {"ZEROBUS_DEBUG_MAX_FILES_RETAINED", "none"},
                                             {"ZEROBUS_RETRY_BASE_DELAY_MS", ""}}))
                  .ok());
  EXPECT_EQ(config->zerobus_endpoint, "https://1234.zerobus.us-west-2.cloud.databricks.com");
  EXPECT_EQ(config->table_name, "main.other.events");
  EXPECT_EQ(config->retry_max_attempts, 9);
  EXPECT_EQ(config->retry_base_delay_ms, 50);
  EXPECT_EQ(config->debug_max_files_retained, std::nullopt);
}

TEST(EnvironmentLoaderTest, DefaultLookupReadsTheProcessEnvironment) {
  ASSERT_EQ(::setenv("ZEROBUS_APPLICATION_NAME", "from-process-env", 1), 0);
  auto config = WrapperConfiguration::FromEnvironment();
  ::unsetenv("ZEROBUS_APPLICATION_NAME");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->application_name, "from-process-env");
}

TEST(EnvironmentLoaderTest, UnknownVariablesAreWarningsWithTheClosestName) {
  const std::vector<std::string> warnings = WrapperConfiguration::EnvironmentWarnings(
      {"PATH", "ZEROBUS_TABLE_NAME", "ZEROBUS_RETRY_MAX_ATTEMPS", "ZEROBUS_SERVER_ENDPOINT",
       "zerobus_lowercase", "ZEROBUS_RETRY_MAX_ATTEMPS"});
  ASSERT_EQ(warnings.size(), 2u) << ::testing::PrintToString(warnings);
  EXPECT_THAT(warnings[0], AllOf(HasSubstr("ZEROBUS_RETRY_MAX_ATTEMPS names no setting"),
                                 HasSubstr("did you mean ZEROBUS_RETRY_MAX_ATTEMPTS?")));
  EXPECT_THAT(warnings[1], AllOf(HasSubstr("ZEROBUS_SERVER_ENDPOINT names no setting"),
                                 Not(HasSubstr("did you mean"))));
}

TEST(EnvironmentLoaderTest, TheProcessEnvironmentsUnknownVariablesReachTheWarnings) {
  ASSERT_EQ(::setenv("ZEROBUS_RETRY_MAX_ATTEMPS", "5", 1), 0);
  auto config = WrapperConfiguration::FromEnvironment();
  WrapperConfiguration applied;
  const Status status = applied.ApplyEnvironment();
  ::unsetenv("ZEROBUS_RETRY_MAX_ATTEMPS");
  ASSERT_TRUE(config.ok()) << config.status();
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(config->retry_max_attempts, 0);
  EXPECT_THAT(config->warnings,
              Contains(HasSubstr("ZEROBUS_RETRY_MAX_ATTEMPS names no setting and is ignored; "
                                 "did you mean ZEROBUS_RETRY_MAX_ATTEMPTS?")));
  EXPECT_EQ(applied.warnings, config->warnings);
  // Applying again does not repeat a warning.
  ASSERT_EQ(::setenv("ZEROBUS_RETRY_MAX_ATTEMPS", "5", 1), 0);
  ASSERT_TRUE(applied.ApplyEnvironment().ok());
  ::unsetenv("ZEROBUS_RETRY_MAX_ATTEMPS");
  EXPECT_EQ(applied.warnings, config->warnings);
}

TEST(EnvironmentLoaderTest, ALookupOfYourOwnAddsNoWarnings) {
  auto config = WrapperConfiguration::FromEnvironment(Lookup({{"ZEROBUS_RETRY_MAX_ATTEMPS", "5"}}));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_TRUE(config->warnings.empty());
}

}  // namespace
}  // namespace arrow_zerobus
