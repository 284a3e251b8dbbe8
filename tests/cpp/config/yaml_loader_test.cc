// Tests of WrapperConfiguration::FromYamlFile / FromYamlString: flat keys and sections, every
// setting reachable, nulls, and errors that name the file, the line and the key.
#include <string>

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
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

class YamlLoaderTest : public ::testing::Test {
 protected:
  std::filesystem::path Write(const std::string& name, const std::string& yaml) {
    const auto path = dir_.path() / name;
    WriteFile(path, yaml);
    return path;
  }
  Result<WrapperConfiguration> LoadFile(const std::string& yaml) {
    return WrapperConfiguration::FromYamlFile(Write("config.yaml", yaml));
  }
  std::string Path(const std::string& name = "config.yaml") const {
    return (dir_.path() / name).string();
  }

  ScratchDirectory dir_;
};

// A YAML double-quoted scalar holding `text`.
std::string Quote(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

TEST_F(YamlLoaderTest, SectionsAsTheOriginalWroteThem) {
  auto config = LoadFile(R"(
zerobus_endpoint: https://1234.zerobus.us-west-2.cloud.databricks.com
table_name: main.default.orders
unity_catalog_url: https://example.cloud.databricks.com
client_id: my-client
client_secret: s3cr3t-value
debug:
  enabled: true
  output_dir: /tmp/debug
  flush_interval_secs: 2
  max_file_size: 1048576
  max_files_retained: 3
retry:
  max_attempts: 3
  base_delay_ms: 50
  max_delay_ms: 1000
)");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->zerobus_endpoint, "https://1234.zerobus.us-west-2.cloud.databricks.com");
  EXPECT_EQ(config->table_name, "main.default.orders");
  EXPECT_EQ(config->unity_catalog_url, "https://example.cloud.databricks.com");
  EXPECT_EQ(config->client_id, "my-client");
  EXPECT_EQ(config->client_secret.expose(), kSecretValue);
  EXPECT_TRUE(config->debug_enabled);
  EXPECT_TRUE(config->arrow_debug_on());
  EXPECT_TRUE(config->protobuf_debug_on());
  EXPECT_EQ(config->debug_output_dir, std::filesystem::path("/tmp/debug"));
  EXPECT_EQ(config->debug_flush_interval_secs, 2);
  EXPECT_EQ(config->debug_max_file_size, 1048576);
  EXPECT_EQ(config->debug_max_files_retained, 3);
  EXPECT_EQ(config->retry_max_attempts, 3);
  EXPECT_EQ(config->retry_base_delay_ms, 50);
  EXPECT_EQ(config->retry_max_delay_ms, 1000);
  EXPECT_THAT(config->problems(), IsEmpty());
}

TEST_F(YamlLoaderTest, FlatKeysAndNewSectionsMix) {
  auto config = WrapperConfiguration::FromYamlString(R"(
table_name: c.s.t
debug_max_file_rows: 500
debug:
  arrow_enabled: yes
zerobus:
  endpoint: http://127.0.0.1:50051
  writer_disabled: true
max_inflight: {requests: 12, bytes: 4096}
)");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->table_name, "c.s.t");
  EXPECT_EQ(config->debug_max_file_rows, 500);
  EXPECT_TRUE(config->debug_arrow_enabled);
  EXPECT_FALSE(config->debug_enabled);
  EXPECT_EQ(config->zerobus_endpoint, "http://127.0.0.1:50051");
  EXPECT_TRUE(config->zerobus_writer_disabled);
  EXPECT_EQ(config->max_inflight_requests, 12);
  EXPECT_EQ(config->max_inflight_bytes, 4096);
}

TEST_F(YamlLoaderTest, SectionsNest) {
  auto config = WrapperConfiguration::FromYamlString("debug:\n  max_file:\n    age_secs: 60\n");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->debug_max_file_age_secs, 60);
}

TEST_F(YamlLoaderTest, EverySettingAsAFlatKey) {
  for (const auto& sample : SampleSettings(dir_.path())) {
    SCOPED_TRACE(sample.key);
    auto config = LoadFile(sample.key + ": " + Quote(sample.text) + "\n");
    ASSERT_TRUE(config.ok()) << config.status();
    ExpectOnlyChange(*config, sample);
  }
}

TEST_F(YamlLoaderTest, EverySettingInASection) {
  for (const auto& sample : SampleSettings(dir_.path())) {
    const size_t split = sample.key.find('_');
    if (split == std::string::npos) continue;  // "recovery": no section to put it in
    SCOPED_TRACE(sample.key);
    const std::string yaml = sample.key.substr(0, split) + ":\n  " + sample.key.substr(split + 1) +
                             ": " + sample.text + "\n";
    auto config = WrapperConfiguration::FromYamlString(yaml);
    ASSERT_TRUE(config.ok()) << config.status();
    ExpectOnlyChange(*config, sample);
  }
}

TEST_F(YamlLoaderTest, EmptyDocumentGivesTheDefaults) {
  for (const char* yaml : {"", "# only a comment\n", "~\n"}) {
    auto config = WrapperConfiguration::FromYamlString(yaml);
    ASSERT_TRUE(config.ok()) << yaml << ": " << config.status();
    EXPECT_EQ(config->ToString(), WrapperConfiguration().ToString());
  }
}

TEST_F(YamlLoaderTest, NullUnsetsOptionalsAndEmptiesStrings) {
  auto config = WrapperConfiguration::FromYamlString(R"(
debug_max_files_retained: ~
debug:
  max_file_size: null
stream_paused_max_wait_ms:
descriptor_proto: ~
application_name: ~
)");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->debug_max_files_retained, std::nullopt);
  EXPECT_EQ(config->debug_max_file_size, std::nullopt);
  EXPECT_EQ(config->stream_paused_max_wait_ms, std::nullopt);
  EXPECT_EQ(config->descriptor_proto, std::nullopt);
  EXPECT_EQ(config->application_name, "");

  // Quoted, "null" is text; an optional number still reads it as unset.
  config = WrapperConfiguration::FromYamlString("debug_max_files_retained: 'null'\n");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->debug_max_files_retained, std::nullopt);
}

TEST_F(YamlLoaderTest, NullIsNotABooleanOrANumber) {
  auto config = LoadFile("table_name: a.b.c\nrecovery: ~\n");
  EXPECT_EQ(config.status().kind(), ErrorKind::kConfiguration);
  EXPECT_THAT(config.status().message(),
              AllOf(HasSubstr(Path() + ":2"), HasSubstr("recovery has no value")));
  config = LoadFile("retry:\n  max_attempts:\n");
  EXPECT_THAT(config.status().message(),
              AllOf(HasSubstr(Path() + ":2"), HasSubstr("retry_max_attempts has no value")));
}

TEST_F(YamlLoaderTest, UnknownKeyNamesFileLineAndSuggestion) {
  auto config = LoadFile("table_name: a.b.c\ndebug:\n  output_dir: /tmp/x\n  arow_enabled: true\n");
  EXPECT_EQ(config.status().kind(), ErrorKind::kConfiguration);
  EXPECT_THAT(config.status().message(),
              AllOf(HasSubstr(Path() + ":4"), HasSubstr("unknown setting 'debug_arow_enabled'"),
                    HasSubstr("did you mean 'debug_arrow_enabled'?")));

  // The original's observability.write_interval_secs is observability_export_interval_ms here.
  config = LoadFile("observability:\n  write_interval_secs: 5\n");
  EXPECT_THAT(config.status().message(),
              AllOf(HasSubstr(Path() + ":2"),
                    HasSubstr("unknown setting 'observability_write_interval_secs'"),
                    HasSubstr("known settings:")));

  config = LoadFile("table_nam: a.b.c\n");
  EXPECT_THAT(config.status().message(),
              AllOf(HasSubstr(Path() + ":1"), HasSubstr("did you mean 'table_name'?")));

  config = LoadFile("nothing_here: {}\n");
  EXPECT_THAT(config.status().message(), HasSubstr("unknown setting 'nothing_here'"));
}

TEST_F(YamlLoaderTest, OneErrorListsEveryProblem) {
  auto config = LoadFile(
      "table_nam: a.b.c\n"
      "retry:\n"
      "  max_atempts: 3\n"
      "  base_delay_ms: soon\n"
      "stream_count: 2\n"
      "debug_enabled: maybe\n");
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().kind(), ErrorKind::kConfiguration);
  EXPECT_THAT(config.status().message(),
              AllOf(HasSubstr(Path() + ":1: unknown setting 'table_nam'"),
                    HasSubstr("did you mean 'table_name'?"),
                    HasSubstr(Path() + ":3: unknown setting 'retry_max_atempts'"),
                    HasSubstr("did you mean 'retry_max_attempts'?"),
                    HasSubstr(Path() + ":4: retry_base_delay_ms: 'soon'"),
                    HasSubstr(Path() + ":6: debug_enabled: 'maybe'")));
  EXPECT_THAT(config.status().message(), Not(HasSubstr("stream_count")));
}

TEST_F(YamlLoaderTest, AnUnreadableDescriptorAmongOtherProblemsKeepsItsKind) {
  auto config = LoadFile("descriptor_proto: /no/such/descriptor.bin\ntable_nam: a.b.c\n");
  EXPECT_EQ(config.status().kind(), ErrorKind::kIo);
  EXPECT_THAT(config.status().message(),
              AllOf(HasSubstr("/no/such/descriptor.bin"), HasSubstr("'table_nam'")));
}

TEST_F(YamlLoaderTest, UnknownKeyInAStringNamesTheString) {
  auto config = WrapperConfiguration::FromYamlString("\n\nretry:\n  max_atempts: 3\n");
  EXPECT_THAT(config.status().message(),
              AllOf(HasSubstr("<yaml string>:4"), HasSubstr("'retry_max_atempts'"),
                    HasSubstr("did you mean 'retry_max_attempts'?")));
}

TEST_F(YamlLoaderTest, SyntaxErrorNamesFileAndLine) {
  auto config = LoadFile("table_name: a.b.c\ndebug:\n  enabled: true\n   output_dir: [x\n");
  EXPECT_EQ(config.status().kind(), ErrorKind::kConfiguration);
  EXPECT_THAT(config.status().message(),
              AllOf(HasSubstr(Path() + ":4:"), HasSubstr("YAML syntax error")));

  config = LoadFile("table_name: a.b.c\nretry: {max_attempts: 3\n\n");
  EXPECT_THAT(config.status().message(),
              AllOf(HasSubstr(Path() + ":"), HasSubstr("YAML syntax error")));
  EXPECT_THAT(config.status().message(), Not(HasSubstr(Path() + ":1:")));
}

TEST_F(YamlLoaderTest, BadValueNamesFileLineKeyAndValue) {
  auto config = LoadFile("table_name: a.b.c\n\nretry:\n  max_attempts: lots\n");
  EXPECT_EQ(config.status().kind(), ErrorKind::kConfiguration);
  EXPECT_THAT(config.status().message(),
              AllOf(HasSubstr(Path() + ":4"), HasSubstr("retry_max_attempts"), HasSubstr("'lots'"),
                    HasSubstr("not an integer")));
}

TEST_F(YamlLoaderTest, MissingDescriptorFileIsAnIoError) {
  auto config = LoadFile("descriptor_proto: /no/such/descriptor.bin\n");
  EXPECT_EQ(config.status().kind(), ErrorKind::kIo);
  EXPECT_THAT(config.status().message(),
              AllOf(HasSubstr(Path() + ":1"), HasSubstr("/no/such/descriptor.bin")));
}

TEST_F(YamlLoaderTest, ASettingTakesOneValue) {
  auto config = LoadFile("table_name:\n  - a.b.c\n");
  EXPECT_THAT(config.status().message(),
              AllOf(HasSubstr(Path() + ":1"), HasSubstr("table_name takes one value")));
  config = LoadFile("debug_enabled: {x: 1}\n");
  EXPECT_THAT(config.status().message(), HasSubstr("debug_enabled takes one value"));
}

TEST_F(YamlLoaderTest, ASettingGivenTwiceIsAnError) {
  auto config = LoadFile("debug_enabled: true\ndebug:\n  enabled: false\n");
  EXPECT_THAT(config.status().message(),
              AllOf(HasSubstr(Path() + ":3"), HasSubstr("debug_enabled is set twice"),
                    HasSubstr("line 1")));
}

TEST_F(YamlLoaderTest, TopLevelMustBeOneMapping) {
  auto config = LoadFile("- table_name: a.b.c\n");
  EXPECT_THAT(config.status().message(),
              AllOf(HasSubstr(Path()), HasSubstr("top level must be a mapping")));
  config = LoadFile("just text\n");
  EXPECT_THAT(config.status().message(), HasSubstr("top level must be a mapping"));
  config = LoadFile("table_name: a.b.c\n---\ntable_name: d.e.f\n");
  EXPECT_THAT(config.status().message(), HasSubstr("2 YAML documents"));
}

TEST_F(YamlLoaderTest, MissingFileIsAnIoErrorNamingThePath) {
  const auto missing = dir_.path() / "missing.yaml";
  auto config = WrapperConfiguration::FromYamlFile(missing);
  EXPECT_EQ(config.status().kind(), ErrorKind::kIo);
  EXPECT_THAT(config.status().message(), HasSubstr(missing.string()));

  config = WrapperConfiguration::FromYamlFile(dir_.path());
  EXPECT_EQ(config.status().kind(), ErrorKind::kIo);
  EXPECT_THAT(config.status().message(), HasSubstr(dir_.path().string()));
}

TEST_F(YamlLoaderTest, LoadingDoesNotValidate) {
  auto config = LoadFile("retry_max_attempts: 0\n");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->retry_max_attempts, 0);
  EXPECT_FALSE(config->validate().ok());
}

TEST_F(YamlLoaderTest, SecretNeverInErrors) {
  const std::vector<std::string> bad_tails = {"retry_max_attempts: many\n", "unknown_key: 1\n",
                                              "debug:\n  enabled: [true\n",
                                              "client_secret: again\n", "recovery:\n"};
  for (const std::string& tail : bad_tails) {
    auto config = LoadFile("client_secret: s3cr3t-value\ntable_name: a.b.c\n" + tail);
    ASSERT_FALSE(config.ok()) << tail;
    EXPECT_THAT(config.status().ToString(), Not(HasSubstr(kSecretValue))) << tail;
  }
  auto config = LoadFile("client_id: x\nclient_secret: s3cr3t-value\n");
  ASSERT_TRUE(config.ok());
  EXPECT_THAT(config->ToString(), Not(HasSubstr(kSecretValue)));
  for (const std::string& problem : config->problems()) {
    EXPECT_THAT(problem, Not(HasSubstr(kSecretValue)));
  }
}

}  // namespace
}  // namespace arrow_zerobus
