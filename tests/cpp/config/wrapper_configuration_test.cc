// Tests of WrapperConfiguration: the settings table and Set(), ToString(), the builders,
// validation (each rule, and every problem at once) and that the secret never prints.
#include "arrow_zerobus/config.h"

#include <functional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/setting_samples.h"
#include "config/settings_table.h"

namespace arrow_zerobus {
namespace {

using config::testing::ExpectOnlyChange;
using config::testing::kSecretValue;
using config::testing::SampleSettings;
using config::testing::ScratchDirectory;
using config::testing::ShownValues;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;

WrapperConfiguration ValidConfig() {
  WrapperConfiguration config("https://1234567890123456.zerobus.us-west-2.cloud.databricks.com",
                              "main.default.orders");
  config.with_unity_catalog("https://example.cloud.databricks.com")
      .with_credentials("client-id", kSecretValue);
  return config;
}

// --- SecretString --------------------------------------------------------------------------

TEST(SecretStringTest, PrintsStarsAndExposesTheValue) {
  const SecretString secret(kSecretValue);
  std::ostringstream out;
  out << secret;
  EXPECT_EQ(out.str(), "***");
  EXPECT_EQ(secret.expose(), kSecretValue);
  EXPECT_FALSE(secret.empty());
  EXPECT_TRUE(SecretString().empty());
  EXPECT_EQ(secret, SecretString(kSecretValue));
  EXPECT_FALSE(secret == SecretString("other"));
}

// --- The settings table ----------------------------------------------------------------------

TEST(SettingKeysTest, EveryFieldInDeclarationOrder) {
  EXPECT_THAT(
      WrapperConfiguration::SettingKeys(),
      ElementsAre("zerobus_endpoint", "table_name", "unity_catalog_url", "client_id",
                  "client_secret", "descriptor_proto", "schema_source", "table_schema",
                  "drop_extra_columns", "parse_strings", "truncate_to_date", "wire_format",
                  "delivery", "resume_stream_ids", "arrow_ipc_compression",
                  "arrow_ipc_compression_level", "retry_timeout_ms", "retry_max_attempts",
                  "retry_base_delay_ms", "retry_max_delay_ms", "stream_count",
                  "max_inflight_requests", "max_inflight_bytes", "max_request_bytes",
                  "max_record_bytes", "connect_timeout_ms", "server_lack_of_ack_timeout_ms",
                  "flush_timeout_ms", "recovery", "stream_paused_max_wait_ms", "application_name",
                  "worker_threads", "debug_enabled", "debug_arrow_enabled",
                  "debug_protobuf_enabled", "debug_output_dir", "debug_flush_interval_secs",
                  "debug_max_file_size", "debug_max_file_rows", "debug_max_file_age_secs",
                  "debug_max_files_retained", "zerobus_writer_disabled", "observability_enabled",
                  "observability_exporter", "observability_endpoint", "observability_headers",
                  "observability_export_interval_ms", "observability_export_timeout_ms",
                  "observability_service_name", "observability_metrics_enabled",
                  "observability_traces_enabled", "observability_max_queued_spans"));
}

TEST(SettingKeysTest, KindsFollowTheFieldTypes) {
  using config::SettingKind;
  const std::map<std::string, SettingKind> expected = {
      {"zerobus_endpoint", SettingKind::kString},
      {"client_secret", SettingKind::kSecret},
      {"descriptor_proto", SettingKind::kOptionalString},
      {"retry_max_attempts", SettingKind::kInt},
      {"retry_base_delay_ms", SettingKind::kInt},
      {"recovery", SettingKind::kBool},
      {"stream_paused_max_wait_ms", SettingKind::kOptionalInt},
      {"debug_output_dir", SettingKind::kPath},
      {"debug_max_files_retained", SettingKind::kOptionalInt},
  };
  for (const auto& [key, kind] : expected) {
    const config::Setting* setting = config::FindSetting(key);
    ASSERT_NE(setting, nullptr) << key;
    EXPECT_EQ(setting->kind, kind) << key;
  }
  EXPECT_EQ(config::FindSetting("no_such_setting"), nullptr);
}

TEST(SettingKeysTest, KeysAndEnvironmentVariablesAreUnique) {
  std::set<std::string> keys;
  std::set<std::string> variables;
  for (const std::string& key : WrapperConfiguration::SettingKeys()) {
    EXPECT_TRUE(keys.insert(key).second) << key;
    EXPECT_TRUE(variables.insert(WrapperConfiguration::EnvironmentVariable(key)).second) << key;
  }
}

TEST(EnvironmentVariableTest, ZerobusPrefixedUppercaseKey) {
  EXPECT_EQ(WrapperConfiguration::EnvironmentVariable("zerobus_endpoint"), "ZEROBUS_ENDPOINT");
  EXPECT_EQ(WrapperConfiguration::EnvironmentVariable("zerobus_writer_disabled"),
            "ZEROBUS_WRITER_DISABLED");
  EXPECT_EQ(WrapperConfiguration::EnvironmentVariable("table_name"), "ZEROBUS_TABLE_NAME");
  EXPECT_EQ(WrapperConfiguration::EnvironmentVariable("client_secret"), "ZEROBUS_CLIENT_SECRET");
  EXPECT_EQ(WrapperConfiguration::EnvironmentVariable("debug_max_file_size"),
            "ZEROBUS_DEBUG_MAX_FILE_SIZE");
}

// --- Set() -------------------------------------------------------------------------------------

TEST(SetTest, EverySettingRoundTripsThroughItsTextForm) {
  ScratchDirectory dir;
  const auto samples = SampleSettings(dir.path());
  ASSERT_EQ(samples.size(), WrapperConfiguration::SettingKeys().size());
  for (const auto& sample : samples) {
    SCOPED_TRACE(sample.key);
    WrapperConfiguration config;
    ASSERT_TRUE(config.Set(sample.key, sample.text).ok()) << config.Set(sample.key, sample.text);
    ExpectOnlyChange(config, sample);
  }
}

TEST(SetTest, WritesTheFieldsTheKeysName) {
  ScratchDirectory dir;
  const auto descriptor_path = dir.path() / "row.desc";
  config::testing::WriteFile(descriptor_path, config::testing::SampleDescriptorBytes());

  WrapperConfiguration config;
  ASSERT_TRUE(config.Set("zerobus_endpoint", "http://127.0.0.1:50051").ok());
  ASSERT_TRUE(config.Set("client_secret", kSecretValue).ok());
  ASSERT_TRUE(config.Set("retry_max_attempts", "7").ok());
  ASSERT_TRUE(config.Set("max_inflight_bytes", "9000000000").ok());
  ASSERT_TRUE(config.Set("recovery", "no").ok());
  ASSERT_TRUE(config.Set("stream_paused_max_wait_ms", "0").ok());
  ASSERT_TRUE(config.Set("debug_output_dir", "out/debug").ok());
  ASSERT_TRUE(config.Set("debug_max_files_retained", "none").ok());
  ASSERT_TRUE(config.Set("descriptor_proto", descriptor_path.string()).ok());

  EXPECT_EQ(config.zerobus_endpoint, "http://127.0.0.1:50051");
  EXPECT_EQ(config.client_secret.expose(), kSecretValue);
  EXPECT_EQ(config.retry_max_attempts, 7);
  EXPECT_EQ(config.max_inflight_bytes, 9000000000LL);
  EXPECT_FALSE(config.recovery);
  EXPECT_EQ(config.stream_paused_max_wait_ms, 0);
  EXPECT_EQ(config.debug_output_dir, std::filesystem::path("out/debug"));
  EXPECT_EQ(config.debug_max_files_retained, std::nullopt);
  EXPECT_EQ(config.descriptor_proto, config::testing::SampleDescriptorBytes());
}

TEST(SetTest, BooleanSpellings) {
  for (const char* text : {"true", "TRUE", "1", "yes", "Yes", "on", "ON"}) {
    WrapperConfiguration config;
    ASSERT_TRUE(config.Set("debug_enabled", text).ok()) << text;
    EXPECT_TRUE(config.debug_enabled) << text;
  }
  for (const char* text : {"false", "False", "0", "no", "NO", "off", "Off"}) {
    WrapperConfiguration config;
    config.recovery = true;
    ASSERT_TRUE(config.Set("recovery", text).ok()) << text;
    EXPECT_FALSE(config.recovery) << text;
  }
}

TEST(SetTest, RejectsNonBooleansNamingKeyAndValue) {
  for (const char* text : {"maybe", "", "2", "truee", "y"}) {
    WrapperConfiguration config;
    const Status status = config.Set("recovery", text);
    EXPECT_EQ(status.kind(), ErrorKind::kConfiguration) << text;
    EXPECT_THAT(status.message(),
                AllOf(HasSubstr("recovery"), HasSubstr("'" + std::string(text) + "'"),
                      HasSubstr("not a boolean")));
    EXPECT_TRUE(config.recovery) << "a failed Set must leave the value alone";
  }
}

TEST(SetTest, IntegersMustParseFully) {
  WrapperConfiguration config;
  for (const char* text : {"12abc", "abc", "", "1.5", "1e3", "0x10", " ", "--1", "+-1"}) {
    const Status status = config.Set("flush_timeout_ms", text);
    EXPECT_FALSE(status.ok()) << text;
    EXPECT_THAT(status.message(),
                AllOf(HasSubstr("flush_timeout_ms"), HasSubstr("'" + std::string(text) + "'"),
                      HasSubstr("not an integer")));
  }
  EXPECT_EQ(config.flush_timeout_ms, 300000);

  ASSERT_TRUE(config.Set("flush_timeout_ms", " 42 ").ok());
  EXPECT_EQ(config.flush_timeout_ms, 42);
  ASSERT_TRUE(config.Set("flush_timeout_ms", "+43").ok());
  EXPECT_EQ(config.flush_timeout_ms, 43);
  ASSERT_TRUE(config.Set("flush_timeout_ms", "-44").ok());
  EXPECT_EQ(config.flush_timeout_ms, -44);
}

TEST(SetTest, WireFormatIsAnEnumReadFromItsName) {
  WrapperConfiguration config;
  EXPECT_EQ(config.wire_format, WireFormat::kProtobuf);
  ASSERT_TRUE(config.Set("wire_format", " ARROW ").ok());
  EXPECT_EQ(config.wire_format, WireFormat::kArrow);
  EXPECT_EQ(ShownValues(config).at("wire_format"), "arrow");
  const Status status = config.Set("wire_format", "parquet");
  EXPECT_EQ(status.kind(), ErrorKind::kConfiguration);
  EXPECT_THAT(status.message(), AllOf(HasSubstr("wire_format"), HasSubstr("'parquet'"),
                                      HasSubstr("protobuf or arrow")));
  EXPECT_EQ(config.wire_format, WireFormat::kArrow) << "a refused value changes nothing";
  EXPECT_EQ(WireFormatName(WireFormat::kProtobuf), "protobuf");
}

TEST(SetTest, IntegerOverflowIsAnError) {
  WrapperConfiguration config;
  Status status = config.Set("max_inflight_bytes", "99999999999999999999");
  EXPECT_THAT(status.message(),
              AllOf(HasSubstr("max_inflight_bytes"), HasSubstr("'99999999999999999999'"),
                    HasSubstr("out of range")));
  // retry_max_attempts and worker_threads are int: int64 values that do not fit are refused.
  status = config.Set("retry_max_attempts", "3000000000");
  EXPECT_THAT(status.message(), AllOf(HasSubstr("retry_max_attempts"), HasSubstr("'3000000000'"),
                                      HasSubstr("out of range")));
  status = config.Set("worker_threads", "-3000000000");
  EXPECT_THAT(status.message(), HasSubstr("out of range"));
  EXPECT_EQ(config.retry_max_attempts, 0);
  EXPECT_EQ(config.worker_threads, 2);
}

TEST(SetTest, OptionalIntegersTakeWordsForUnset) {
  for (const char* text : {"", "none", "None", "null", "NULL"}) {
    WrapperConfiguration config;
    ASSERT_TRUE(config.debug_max_files_retained.has_value());
    ASSERT_TRUE(config.Set("debug_max_files_retained", text).ok()) << text;
    EXPECT_FALSE(config.debug_max_files_retained.has_value()) << text;
  }
  WrapperConfiguration config;
  EXPECT_THAT(config.Set("debug_max_file_rows", "12x").message(),
              AllOf(HasSubstr("debug_max_file_rows"), HasSubstr("'12x'")));
  ASSERT_TRUE(config.Set("debug_max_file_rows", "12").ok());
  EXPECT_EQ(config.debug_max_file_rows, 12);
}

TEST(SetTest, DescriptorProtoReadsTheFileItNames) {
  ScratchDirectory dir;
  const std::string bytes("\x0a\x03Row\x00\xff", 6);  // binary content survives unchanged
  config::testing::WriteFile(dir.path() / "d.bin", bytes);
  WrapperConfiguration config;
  ASSERT_TRUE(config.Set("descriptor_proto", (dir.path() / "d.bin").string()).ok());
  EXPECT_EQ(config.descriptor_proto, bytes);

  ASSERT_TRUE(config.Set("descriptor_proto", "").ok());
  EXPECT_EQ(config.descriptor_proto, std::nullopt);

  const std::string missing = (dir.path() / "missing.bin").string();
  Status status = config.Set("descriptor_proto", missing);
  EXPECT_EQ(status.kind(), ErrorKind::kIo);
  EXPECT_THAT(status.message(), AllOf(HasSubstr("descriptor_proto"), HasSubstr(missing)));

  status = config.Set("descriptor_proto", dir.path().string());
  EXPECT_EQ(status.kind(), ErrorKind::kIo);
  EXPECT_THAT(status.message(), HasSubstr("not a regular file"));
}

TEST(SetTest, UnknownKeySuggestsTheClosest) {
  WrapperConfiguration config;
  Status status = config.Set("retry_max_attempt", "3");
  EXPECT_EQ(status.kind(), ErrorKind::kConfiguration);
  EXPECT_THAT(status.message(), AllOf(HasSubstr("unknown setting 'retry_max_attempt'"),
                                      HasSubstr("did you mean 'retry_max_attempts'?")));
  EXPECT_THAT(config.Set("debug_arow_enabled", "1").message(),
              HasSubstr("did you mean 'debug_arrow_enabled'?"));
  EXPECT_THAT(config.Set("TABLE_NAME", "a.b.c").message(), HasSubstr("did you mean 'table_name'?"));
}

TEST(SetTest, UnknownKeyFarFromAnyListsTheKnownOnes) {
  WrapperConfiguration config;
  const Status status = config.Set("otlp_collector_url", "x");
  EXPECT_THAT(status.message(),
              AllOf(HasSubstr("unknown setting 'otlp_collector_url'"),
                    Not(HasSubstr("did you mean")), HasSubstr("known settings:"),
                    HasSubstr("zerobus_endpoint"), HasSubstr("debug_max_files_retained")));
}

// --- ToString() ----------------------------------------------------------------------------

TEST(ToStringTest, OneLinePerSettingInOrder) {
  WrapperConfiguration config = ValidConfig();
  config.with_debug_max_file_size(1024).with_descriptor_proto(std::string(17, 'x'));
  const std::string text = config.ToString();

  std::vector<std::string> keys;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) keys.push_back(line.substr(0, line.find(':')));
  EXPECT_EQ(keys, WrapperConfiguration::SettingKeys());

  const auto shown = ShownValues(config);
  EXPECT_EQ(shown.at("zerobus_endpoint"), config.zerobus_endpoint);
  EXPECT_EQ(shown.at("table_name"), "main.default.orders");
  EXPECT_EQ(shown.at("client_id"), "client-id");
  EXPECT_EQ(shown.at("client_secret"), "***");
  EXPECT_EQ(shown.at("descriptor_proto"), "<17 bytes>");
  EXPECT_EQ(shown.at("retry_max_attempts"), "0");
  EXPECT_EQ(shown.at("retry_timeout_ms"), "60000");
  EXPECT_EQ(shown.at("stream_count"), "1");
  EXPECT_EQ(shown.at("recovery"), "true");
  EXPECT_EQ(shown.at("stream_paused_max_wait_ms"), "none");
  EXPECT_EQ(shown.at("debug_max_file_size"), "1024");
  EXPECT_EQ(shown.at("debug_max_files_retained"), "10");
  EXPECT_EQ(shown.at("debug_output_dir"), "");

  std::ostringstream streamed;
  streamed << config;
  EXPECT_EQ(streamed.str(), text);
}

TEST(ToStringTest, EmptySecretShowsEmpty) {
  const auto shown = ShownValues(WrapperConfiguration());
  EXPECT_EQ(shown.at("client_secret"), "");
  EXPECT_EQ(shown.at("descriptor_proto"), "none");
}

// --- Builders ----------------------------------------------------------------------------------

TEST(BuilderTest, EachBuilderSetsItsFieldsAndChains) {
  WrapperConfiguration config("http://localhost:50051", "c.s.t");
  WrapperConfiguration& same = config.with_credentials("id", kSecretValue)
                                   .with_unity_catalog("https://uc.example")
                                   .with_debug_arrow_enabled(true)
                                   .with_debug_protobuf_enabled(true)
                                   .with_debug_flush_interval_secs(9)
                                   .with_debug_max_file_size(100)
                                   .with_debug_max_file_rows(200)
                                   .with_debug_max_file_age_secs(300)
                                   .with_debug_max_files_retained(std::nullopt)
                                   .with_retry_config(3, 50, 700)
                                   .with_zerobus_writer_disabled(true)
                                   .with_descriptor_proto("bytes");
  EXPECT_EQ(&same, &config);
  EXPECT_EQ(config.zerobus_endpoint, "http://localhost:50051");
  EXPECT_EQ(config.table_name, "c.s.t");
  EXPECT_EQ(config.client_id, "id");
  EXPECT_EQ(config.client_secret.expose(), kSecretValue);
  EXPECT_EQ(config.unity_catalog_url, "https://uc.example");
  EXPECT_TRUE(config.debug_arrow_enabled);
  EXPECT_TRUE(config.debug_protobuf_enabled);
  EXPECT_FALSE(config.debug_enabled);
  EXPECT_EQ(config.debug_flush_interval_secs, 9);
  EXPECT_EQ(config.debug_max_file_size, 100);
  EXPECT_EQ(config.debug_max_file_rows, 200);
  EXPECT_EQ(config.debug_max_file_age_secs, 300);
  EXPECT_EQ(config.debug_max_files_retained, std::nullopt);
  EXPECT_EQ(config.retry_max_attempts, 3);
  EXPECT_EQ(config.retry_base_delay_ms, 50);
  EXPECT_EQ(config.retry_max_delay_ms, 700);
  EXPECT_TRUE(config.zerobus_writer_disabled);
  EXPECT_EQ(config.descriptor_proto, "bytes");

  config.with_debug_arrow_enabled(false).with_zerobus_writer_disabled(false);
  EXPECT_FALSE(config.debug_arrow_enabled);
  EXPECT_FALSE(config.zerobus_writer_disabled);
}

TEST(BuilderTest, DebugOutputTurnsOnBothFormats) {
  WrapperConfiguration config;
  EXPECT_FALSE(config.arrow_debug_on());
  EXPECT_FALSE(config.protobuf_debug_on());
  config.with_debug_output("out/debug");
  EXPECT_EQ(config.debug_output_dir, std::filesystem::path("out/debug"));
  EXPECT_TRUE(config.debug_enabled);
  EXPECT_TRUE(config.arrow_debug_on());
  EXPECT_TRUE(config.protobuf_debug_on());
}

TEST(BuilderTest, EachFormatFlagTurnsOnOnlyItsFormat) {
  WrapperConfiguration arrow;
  arrow.with_debug_arrow_enabled(true);
  EXPECT_TRUE(arrow.arrow_debug_on());
  EXPECT_FALSE(arrow.protobuf_debug_on());
  WrapperConfiguration protobuf;
  protobuf.with_debug_protobuf_enabled(true);
  EXPECT_FALSE(protobuf.arrow_debug_on());
  EXPECT_TRUE(protobuf.protobuf_debug_on());
}

TEST(BuilderTest, OriginalReadmeWriterDisabledExampleIsValid) {
  WrapperConfiguration config("https://workspace.cloud.databricks.com", "main.default.my_table");
  config.with_debug_output("./debug_output").with_zerobus_writer_disabled(true);
  EXPECT_THAT(config.problems(), IsEmpty());
  EXPECT_TRUE(config.validate().ok());
}

// --- Validation: one rule at a time ----------------------------------------------------------

TEST(ValidationTest, ValidConfigurationHasNoProblems) {
  EXPECT_THAT(ValidConfig().problems(), IsEmpty());
  EXPECT_TRUE(ValidConfig().validate().ok());
  EXPECT_THAT(WrapperConfiguration().problems(), Not(IsEmpty()));
}

TEST(ValidationTest, AcceptedEndpointForms) {
  for (const char* endpoint :
       {"https://1234.zerobus.us-west-2.cloud.databricks.com", "HTTPS://ws.example.com/",
        "1234.zerobus.us-west-2.cloud.databricks.com", "localhost:50051", "http://127.0.0.1:50051",
        "http://[::1]:7000"}) {
    WrapperConfiguration config = ValidConfig();
    config.zerobus_endpoint = endpoint;
    EXPECT_THAT(config.problems(), IsEmpty()) << endpoint;
  }
}

TEST(ValidationTest, AcceptedTableAndUnityCatalogForms) {
  for (const char* table : {"main.default.orders", "Cat_1.s2.T_3", "a.b.c"}) {
    WrapperConfiguration config = ValidConfig();
    config.table_name = table;
    EXPECT_THAT(config.problems(), IsEmpty()) << table;
  }
  for (const char* url :
       {"https://ws.cloud.databricks.com", "HTTP://127.0.0.1:8080", "https://ws.example/prefix"}) {
    WrapperConfiguration config = ValidConfig();
    config.unity_catalog_url = url;
    EXPECT_THAT(config.problems(), IsEmpty()) << url;
  }
}

struct RuleCase {
  std::string name;
  std::function<void(WrapperConfiguration&)> change;
  std::vector<std::string> expected;  ///< substrings of the one problem
};

class ValidationRuleTest : public ::testing::TestWithParam<RuleCase> {};

TEST_P(ValidationRuleTest, ReportsOneProblemNamingSettingAndValue) {
  WrapperConfiguration config = ValidConfig();
  GetParam().change(config);
  const std::vector<std::string> found = config.problems();
  ASSERT_THAT(found, SizeIs(1)) << ::testing::PrintToString(found);
  for (const std::string& part : GetParam().expected) {
    EXPECT_THAT(found[0], HasSubstr(part));
  }
  const Status status = config.validate();
  EXPECT_EQ(status.kind(), ErrorKind::kConfiguration);
  EXPECT_EQ(status.message(), "invalid configuration: " + found[0]);
}

std::vector<RuleCase> RuleCases() {
  using C = WrapperConfiguration;
  return {
      {"EmptyEndpoint", [](C& c) { c.zerobus_endpoint = ""; }, {"zerobus_endpoint", "empty"}},
      {"CompressionLevelWithoutCompression",
       [](C& c) { c.arrow_ipc_compression_level = 3; },
       {"arrow_ipc_compression_level 3", "needs a compression", "lz4_frame or zstd"}},
      {"CompressionLevelOutsideTheCodecsRange",
       [](C& c) {
         c.arrow_ipc_compression = "zstd";
         c.arrow_ipc_compression_level = 99;
       },
       {"arrow_ipc_compression_level 99", "outside", "zstd", "range", "..22"}},
      {"EndpointScheme",
       [](C& c) { c.zerobus_endpoint = "ftp://host"; },
       {"zerobus_endpoint", "'ftp://host'", "scheme"}},
      {"EndpointPath",
       [](C& c) { c.zerobus_endpoint = "https://host/path"; },
       {"zerobus_endpoint", "'https://host/path'", "path"}},
      {"EndpointPort",
       [](C& c) { c.zerobus_endpoint = "host:99999"; },
       {"zerobus_endpoint", "'host:99999'", "port"}},
      {"EmptyTable", [](C& c) { c.table_name = ""; }, {"table_name", "empty"}},
      {"TableTwoParts",
       [](C& c) { c.table_name = "schema.table"; },
       {"table_name", "'schema.table'", "3 parts"}},
      {"TableFourParts", [](C& c) { c.table_name = "a.b.c.d"; }, {"table_name", "'a.b.c.d'"}},
      {"TableEmptySchema",
       [](C& c) { c.table_name = "a..c"; },
       {"table_name", "'a..c'", "empty schema"}},
      {"TableBadCatalog",
       [](C& c) { c.table_name = "my cat.s.t"; },
       {"table_name 'my cat.s.t'", "catalog name 'my cat'", "letters, digits and '_'"}},
      {"TableBadSchema",
       [](C& c) { c.table_name = "c.my-schema.t"; },
       {"table_name 'c.my-schema.t'", "schema name 'my-schema'"}},
      {"TableBadTable",
       [](C& c) { c.table_name = "c.s.t$"; },
       {"table_name 'c.s.t$'", "table name 't$'"}},
      {"EmptyUnityCatalog",
       [](C& c) { c.unity_catalog_url = ""; },
       {"unity_catalog_url", "empty", "zerobus_writer_disabled"}},
      {"UnityCatalogNotHttp",
       [](C& c) { c.unity_catalog_url = "ftp://uc.example"; },
       {"unity_catalog_url", "'ftp://uc.example'", "https://"}},
      {"UnityCatalogNoHost",
       [](C& c) { c.unity_catalog_url = "https://"; },
       {"unity_catalog_url", "'https://'"}},
      {"UnityCatalogWithANewline",
       [](C& c) { c.unity_catalog_url = "https://uc.example/\n"; },
       {"unity_catalog_url", "without spaces or control characters"}},
      {"UnityCatalogWithASpace",
       [](C& c) { c.unity_catalog_url = "https://uc example"; },
       {"unity_catalog_url 'https://uc example'", "without spaces"}},
      {"NoCredentials",
       [](C& c) { c.with_credentials("", ""); },
       {"client_id and client_secret are empty", "zerobus_writer_disabled"}},
      {"SecretWithoutId",
       [](C& c) { c.client_id = ""; },
       {"client_id is empty but client_secret is set"}},
      {"IdWithoutSecret",
       [](C& c) { c.client_secret = SecretString(); },
       {"client_secret is empty but client_id 'client-id' is set"}},
      {"EmptyDescriptor",
       [](C& c) { c.with_descriptor_proto(""); },
       {"descriptor_proto", "0 bytes"}},
      {"GarbageDescriptor",
       [](C& c) { c.with_descriptor_proto(std::string("\xff\xff\xff", 3)); },
       {"descriptor_proto", "<3 bytes>", "not a serialized DescriptorProto"}},
      {"DebugWithoutDir",
       [](C& c) { c.debug_enabled = true; },
       {"debug_output_dir is empty", "debug_enabled"}},
      {"ArrowDebugWithoutDir",
       [](C& c) { c.debug_arrow_enabled = true; },
       {"debug_output_dir is empty", "(debug_arrow_enabled)"}},
      {"ProtobufDebugWithoutDir",
       [](C& c) { c.debug_protobuf_enabled = true; },
       {"debug_output_dir is empty", "(debug_protobuf_enabled)"}},
      {"WriterDisabledWithoutDebug",
       [](C& c) { c.with_zerobus_writer_disabled(true); },
       {"zerobus_writer_disabled",
        "writer disabled requires debug output: set debug_output_dir and debug_enabled (or "
        "debug_arrow_enabled / debug_protobuf_enabled)"}},
      {"WriterDisabledWithDirOnly",
       [](C& c) { c.with_zerobus_writer_disabled(true).debug_output_dir = "out"; },
       {"writer disabled requires debug output"}},
      {"NegativeAttempts",
       [](C& c) { c.retry_max_attempts = -1; },
       {"retry_max_attempts is -1", "at least 0", "0: no limit"}},
      {"ZeroRetryTimeout",
       [](C& c) { c.retry_timeout_ms = 0; },
       {"retry_timeout_ms is 0", "at least 1"}},
      {"NoStreams",
       [](C& c) { c.with_stream_count(0); },
       {"stream_count is 0", "between 1 and 64"}},
      {"TooManyStreams",
       [](C& c) { c.with_stream_count(65); },
       {"stream_count is 65", "between 1 and 64"}},
      {"WindowSmallerThanTheStreams",
       [](C& c) {
         c.with_stream_count(8);
         c.max_inflight_requests = 4;
       },
       {"max_inflight_requests is 4", "at least 8", "stream_count"}},
      {"NegativeBaseDelay",
       [](C& c) { c.retry_base_delay_ms = -1; },
       {"retry_base_delay_ms is -1", "at least 0"}},
      {"MaxDelayBelowBase",
       [](C& c) { c.with_retry_config(3, 500, 499); },
       {"retry_max_delay_ms is 499", "retry_base_delay_ms (500)"}},
      {"ZeroInflightRequests",
       [](C& c) { c.max_inflight_requests = 0; },
       {"max_inflight_requests is 0", "at least 1"}},
      {"ZeroInflightBytes",
       [](C& c) { c.max_inflight_bytes = 0; },
       {"max_inflight_bytes is 0", "at least 1"}},
      {"RequestBytesTooSmall",
       [](C& c) { c.max_request_bytes = 1023; },
       {"max_request_bytes is 1023", "between 1024 and 10485760"}},
      {"RequestBytesTooLarge",
       [](C& c) { c.max_request_bytes = 10485761; },
       {"max_request_bytes is 10485761", "between 1024 and 10485760"}},
      {"ZeroRecordBytes",
       [](C& c) { c.max_record_bytes = 0; },
       {"max_record_bytes is 0", "between 1 and"}},
      {"RecordBytesOverRequest",
       [](C& c) {
         c.max_request_bytes = 4096;
         c.max_record_bytes = 4096 - 31;
       },
       {"max_record_bytes is 4065", "between 1 and 4064 (max_request_bytes - 32)"}},
      {"ZeroConnectTimeout",
       [](C& c) { c.connect_timeout_ms = 0; },
       {"connect_timeout_ms is 0", "at least 1"}},
      {"NegativeLackOfAckTimeout",
       [](C& c) { c.server_lack_of_ack_timeout_ms = -5; },
       {"server_lack_of_ack_timeout_ms is -5"}},
      {"ZeroFlushTimeout", [](C& c) { c.flush_timeout_ms = 0; }, {"flush_timeout_ms is 0"}},
      {"NegativePausedWait",
       [](C& c) { c.stream_paused_max_wait_ms = -1; },
       {"stream_paused_max_wait_ms is -1", "at least 0"}},
      {"ZeroWorkerThreads",
       [](C& c) { c.worker_threads = 0; },
       {"worker_threads is 0", "between 1 and 64"}},
      {"TooManyWorkerThreads",
       [](C& c) { c.worker_threads = 65; },
       {"worker_threads is 65", "between 1 and 64"}},
      {"ZeroFlushInterval",
       [](C& c) { c.with_debug_flush_interval_secs(0); },
       {"debug_flush_interval_secs is 0", "at least 1"}},
      {"ZeroMaxFileSize",
       [](C& c) { c.with_debug_max_file_size(0); },
       {"debug_max_file_size is 0", "at least 1"}},
      {"NegativeMaxFileRows",
       [](C& c) { c.with_debug_max_file_rows(-2); },
       {"debug_max_file_rows is -2"}},
      {"ZeroMaxFileAge",
       [](C& c) { c.with_debug_max_file_age_secs(0); },
       {"debug_max_file_age_secs is 0"}},
      {"ZeroFilesRetained",
       [](C& c) { c.with_debug_max_files_retained(0); },
       {"debug_max_files_retained is 0", "leave it unset to keep every file"}},
      // Durations past 30 days overflowed the deadlines built from them: a connect that hung,
      // requests failed at once "after" flush_timeout (issue 15).
      {"HugeRetryTimeout",
       [](C& c) { c.retry_timeout_ms = INT64_MAX; },
       {"retry_timeout_ms is 9223372036854775807", "at most 2592000000 (30 days)"}},
      {"HugeMaxDelay",
       [](C& c) { c.retry_max_delay_ms = 2592000001; },
       {"retry_max_delay_ms is 2592000001", "at most 2592000000"}},
      {"HugeConnectTimeout",
       [](C& c) { c.connect_timeout_ms = INT64_MAX; },
       {"connect_timeout_ms is 9223372036854775807", "at most 2592000000"}},
      {"HugeLackOfAckTimeout",
       [](C& c) { c.server_lack_of_ack_timeout_ms = INT64_MAX; },
       {"server_lack_of_ack_timeout_ms", "at most"}},
      {"HugeFlushTimeout",
       [](C& c) { c.flush_timeout_ms = INT64_MAX; },
       {"flush_timeout_ms is 9223372036854775807", "at most"}},
      {"HugePausedWait",
       [](C& c) { c.stream_paused_max_wait_ms = INT64_MAX; },
       {"stream_paused_max_wait_ms", "at most"}},
      {"HugeFlushInterval",
       [](C& c) { c.with_debug_flush_interval_secs(2592001); },
       {"debug_flush_interval_secs is 2592001", "at most 2592000 (30 days)"}},
      {"HugeMaxFileAge",
       [](C& c) { c.with_debug_max_file_age_secs(INT64_MAX); },
       {"debug_max_file_age_secs", "at most 2592000"}},
      {"HugeExportInterval",
       [](C& c) { c.observability_export_interval_ms = INT64_MAX; },
       {"observability_export_interval_ms", "at most"}},
      {"HugeExportTimeout",
       [](C& c) { c.observability_export_timeout_ms = INT64_MAX; },
       {"observability_export_timeout_ms", "at most"}},
  };
}

INSTANTIATE_TEST_SUITE_P(Rules, ValidationRuleTest, ::testing::ValuesIn(RuleCases()),
                         [](const auto& info) { return info.param.name; });

TEST(ValidationTest, HugeRetryDelaysAreEachNamed) {
  WrapperConfiguration config = ValidConfig();
  config.with_retry_config(0, INT64_MAX, INT64_MAX);
  EXPECT_THAT(config.problems(),
              ElementsAre(HasSubstr("retry_base_delay_ms is 9223372036854775807 but must be at "
                                    "most 2592000000 (30 days)"),
                          HasSubstr("retry_max_delay_ms is 9223372036854775807 but must be at "
                                    "most 2592000000 (30 days)")));
}

TEST(ValidationTest, BoundariesAreAccepted) {
  const std::vector<std::function<void(WrapperConfiguration&)>> changes = {
      [](auto& c) { c.retry_max_attempts = 1; },
      [](auto& c) { c.with_retry_config(1, 0, 0); },
      [](auto& c) { c.with_retry_config(2, 700, 700); },
      [](auto& c) { c.max_inflight_requests = 1; },
      [](auto& c) { c.max_inflight_bytes = 1; },
      [](auto& c) {
        c.max_request_bytes = 1024;
        c.max_record_bytes = 1024 - 32;
      },
      [](auto& c) { c.max_request_bytes = 10 * 1024 * 1024; },
      [](auto& c) { c.max_record_bytes = 1; },
      [](auto& c) { c.connect_timeout_ms = 1; },
      [](auto& c) { c.stream_paused_max_wait_ms = 0; },
      [](auto& c) { c.worker_threads = 1; },
      [](auto& c) { c.worker_threads = 64; },
      [](auto& c) { c.debug_flush_interval_secs = 1; },
      [](auto& c) {
        c.with_debug_max_file_size(1).with_debug_max_file_rows(1).with_debug_max_file_age_secs(1);
      },
      [](auto& c) { c.with_debug_max_files_retained(1); },
      [](auto& c) { c.with_debug_max_files_retained(std::nullopt); },
      [](auto& c) { c.with_descriptor_proto(config::testing::SampleDescriptorBytes()); },
      [](auto& c) {
        c.retry_timeout_ms = c.connect_timeout_ms = c.flush_timeout_ms = 2592000000;
        c.server_lack_of_ack_timeout_ms = c.stream_paused_max_wait_ms.emplace(2592000000);
        c.with_retry_config(0, 2592000000, 2592000000);
        c.debug_flush_interval_secs = 2592000;
        c.with_debug_max_file_age_secs(2592000);
      },
  };
  for (size_t i = 0; i < changes.size(); ++i) {
    WrapperConfiguration config = ValidConfig();
    changes[i](config);
    EXPECT_THAT(config.problems(), IsEmpty()) << "change " << i;
  }
}

// --- Validation: the writer-disabled mode and several problems at once ----------------------

TEST(ValidationTest, WriterDisabledNeedsNoConnectionSettingsButNeedsDebugOutput) {
  WrapperConfiguration config("", "main.default.orders");
  config.with_zerobus_writer_disabled(true);
  EXPECT_THAT(config.problems(), ElementsAre(HasSubstr("writer disabled requires debug output")));

  config.with_debug_output("out");
  EXPECT_THAT(config.problems(), IsEmpty());
  config.debug_enabled = false;
  config.with_debug_protobuf_enabled(true);
  EXPECT_THAT(config.problems(), IsEmpty());

  // One credential without the other is not checked when nothing connects.
  config.client_id = "only-id";
  EXPECT_THAT(config.problems(), IsEmpty());

  // An endpoint, when given, must still parse; the table name is always needed (file names).
  config.zerobus_endpoint = "ftp://host";
  config.table_name = "orders";
  EXPECT_THAT(config.problems(),
              ElementsAre(HasSubstr("zerobus_endpoint"), HasSubstr("table_name")));
}

TEST(ValidationTest, EveryProblemIsReportedTogether) {
  WrapperConfiguration config;  // no endpoint, table, unity catalog or credentials
  config.retry_max_attempts = -1;
  config.worker_threads = 100;
  config.debug_arrow_enabled = true;
  config.with_debug_max_files_retained(0);
  const std::vector<std::string> found = config.problems();
  EXPECT_THAT(found,
              ElementsAre(HasSubstr("zerobus_endpoint"), HasSubstr("table_name"),
                          HasSubstr("unity_catalog_url"), HasSubstr("client_id"),
                          HasSubstr("retry_max_attempts is -1"), HasSubstr("worker_threads is 100"),
                          HasSubstr("debug_output_dir is empty"),
                          HasSubstr("debug_max_files_retained is 0")));

  // "; " separates the problems in validate()'s message, so none holds it.
  for (const std::string& problem : found) EXPECT_THAT(problem, Not(HasSubstr(";")));

  const Status status = config.validate();
  EXPECT_EQ(status.kind(), ErrorKind::kConfiguration);
  std::string expected = "invalid configuration: ";
  for (size_t i = 0; i < found.size(); ++i) expected += (i ? "; " : "") + found[i];
  EXPECT_EQ(status.message(), expected);
}

// --- The secret never prints -------------------------------------------------------------------

TEST(SecretRedactionTest, SecretAppearsInNoOutput) {
  WrapperConfiguration config;  // invalid in every way that can be
  ASSERT_TRUE(config.Set("client_secret", kSecretValue).ok());
  config.retry_max_attempts = 0;
  config.retry_max_delay_ms = -1;
  config.max_request_bytes = 0;
  config.debug_enabled = true;
  config.with_debug_max_file_size(0).with_descriptor_proto("\xff");

  std::vector<std::string> outputs = config.problems();
  ASSERT_THAT(outputs, SizeIs(::testing::Ge(8)));
  outputs.push_back(config.validate().message());
  outputs.push_back(config.validate().ToString());
  outputs.push_back(config.ToString());
  std::ostringstream streamed;
  streamed << config << config.client_secret;
  outputs.push_back(streamed.str());
  // Set errors of every key, and of unknown keys given the secret as their value.
  for (const std::string& key : WrapperConfiguration::SettingKeys()) {
    if (key == "client_secret") continue;
    WrapperConfiguration copy = config;
    outputs.push_back(copy.Set(key, "not valid here\x01").message());
  }
  outputs.push_back(config.Set("client_secrt", kSecretValue).message());
  outputs.push_back(config.Set("password", kSecretValue).message());

  EXPECT_THAT(config.ToString(), HasSubstr("client_secret: ***"));
  for (const std::string& output : outputs) {
    EXPECT_THAT(output, Not(HasSubstr(kSecretValue))) << output;
    EXPECT_THAT(output, Not(HasSubstr("s3cr3t"))) << output;
  }
}

}  // namespace
}  // namespace arrow_zerobus
