// `zerobus-arrow send` argument parsing and the YAML < environment < flags layering.
#include "send_args.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace arrow_zerobus::cli {
namespace {

namespace fs = std::filesystem;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Pair;

using Variables = std::map<std::string, std::string>;

std::function<std::string(const char*)> Lookup(const Variables& variables) {
  return [variables](const char* name) {
    const auto found = variables.find(name);
    return found == variables.end() ? std::string() : found->second;
  };
}

std::string Variable(const char* key) { return WrapperConfiguration::EnvironmentVariable(key); }

std::string ErrorOf(const std::vector<std::string_view>& args) {
  auto parsed = ParseSendArgs(args);
  return parsed.ok() ? std::string("(parsed)") : parsed.status().message();
}

TEST(ParseSendArgsTest, InputsFlagsAndSettingsInOrder) {
  auto parsed = ParseSendArgs({"a.parquet", "--table", "c.s.t", "b.jsonl", "--endpoint=http://h:1",
                               "--set", "max_inflight_requests=7", "--debug-dir", "/tmp/d",
                               "--writer-disabled", "--batch-rows", "100", "--quarantine",
                               "q.arrows", "-q", "--schema-from-table", "--", "--odd.csv"});
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_THAT(parsed->inputs, ElementsAre("a.parquet", "b.jsonl", "--odd.csv"));
  EXPECT_THAT(parsed->settings,
              ElementsAre(Pair("table_name", "c.s.t"), Pair("zerobus_endpoint", "http://h:1"),
                          Pair("max_inflight_requests", "7"), Pair("debug_output_dir", "/tmp/d"),
                          Pair("debug_enabled", "true"), Pair("zerobus_writer_disabled", "true"),
                          Pair("schema_source", "table")));
  EXPECT_EQ(parsed->batch_rows, 100);
  EXPECT_EQ(parsed->quarantine, fs::path("q.arrows"));
  EXPECT_TRUE(parsed->quiet);
}

TEST(ParseSendArgsTest, FormatOverridesExtensions) {
  EXPECT_THAT(ErrorOf({"data.txt"}), HasSubstr("data.txt"));
  auto parsed = ParseSendArgs({"--input-format", "json", "data.txt"});
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->format, InputFormat::kJson);
}

TEST(ParseSendArgsTest, FormatChoosesTheWireFormat) {
  auto parsed = ParseSendArgs({"--format", "arrow", "data.csv"});
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_THAT(parsed->settings,
              ::testing::Contains(std::pair<std::string, std::string>{"wire_format", "arrow"}));
  EXPECT_FALSE(parsed->format.has_value()) << "the input format still comes from the extension";
}

TEST(ParseSendArgsTest, StreamsSetsTheStreamCount) {
  auto parsed = ParseSendArgs({"--streams", "8", "data.csv"});
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_THAT(parsed->settings,
              ::testing::Contains(std::pair<std::string, std::string>{"stream_count", "8"}));
}

TEST(ParseSendArgsTest, UsageErrors) {
  EXPECT_THAT(ErrorOf({}), HasSubstr("input FILE"));
  EXPECT_THAT(ErrorOf({"a.csv", "--bogus"}), HasSubstr("--bogus"));
  EXPECT_THAT(ErrorOf({"a.csv", "--table"}), HasSubstr("--table needs a value"));
  EXPECT_THAT(ErrorOf({"a.csv", "--batch-rows", "0"}), HasSubstr("positive integer"));
  EXPECT_THAT(ErrorOf({"a.csv", "--batch-rows", "12x"}), HasSubstr("'12x'"));
  EXPECT_THAT(ErrorOf({"a.csv", "--set", "novalue"}), HasSubstr("KEY=VALUE"));
  EXPECT_THAT(ErrorOf({"a.csv", "--quarantine", "q.txt"}), HasSubstr("q.txt"));
  EXPECT_THAT(ErrorOf({"a.csv", "--input-format", "xml"}), HasSubstr("'xml'"));
  EXPECT_THAT(ErrorOf({"a.csv", "--quiet=yes"}), HasSubstr("takes no value"));
}

TEST(ParseSendArgsTest, AnOptionWhereAValueBelongsIsAForgottenValue) {
  EXPECT_THAT(ErrorOf({"a.csv", "--table", "--quiet"}),
              HasSubstr("--table needs a value, but the option --quiet follows it (write "
                        "--table=--quiet if that is the value)"));
  // Inline, a value may start with "--"; a lone "-" or a negative number after a flag is a value.
  auto parsed = ParseSendArgs({"a.csv", "--csv-null=--", "--csv-null", "-"});
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_TRUE(parsed->csv.null_values.has_value());
  EXPECT_THAT(*parsed->csv.null_values, ::testing::ElementsAre("--", "-"));
}

TEST(ParseSendArgsTest, QuarantinePathsThatCannotBecomeTheFileAreRefusedUpFront) {
  const fs::path dir = fs::temp_directory_path() / ("send_args_q-" + std::to_string(getpid()));
  fs::create_directories(dir / "q.arrows");
  const std::string input = (dir / "rows.arrows").string();
  std::ofstream(input) << "not read";
  const std::string folder = (dir / "q.arrows").string();
  const std::string missing = (dir / "no" / "q.parquet").string();
  // A directory (even with a quarantine extension) and a directory that does not exist were
  // found only at the end of the send, after every row had been sent.
  EXPECT_THAT(ErrorOf({input, "--quarantine", folder}),
              AllOf(HasSubstr(folder), HasSubstr("is a directory")));
  EXPECT_THAT(ErrorOf({input, "--quarantine", missing}),
              AllOf(HasSubstr(missing), HasSubstr("does not exist")));
  // The input itself was overwritten by the (empty) quarantine file, and the send exited 0.
  EXPECT_THAT(ErrorOf({input, "--quarantine", input}),
              AllOf(HasSubstr("is also an input file"), HasSubstr("overwritten")));
  const std::string same_file = (dir / "." / "rows.arrows").string();
  EXPECT_THAT(ErrorOf({input, "--quarantine", same_file}), HasSubstr("is also an input file"));
  // A new file beside the input is fine.
  EXPECT_EQ(ErrorOf({input, "--quarantine", (dir / "failed.arrows").string()}), "(parsed)");
  std::ifstream kept(input);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(kept), {}), "not read");
  fs::remove_all(dir);
}

TEST(ParseSendArgsTest, HelpNeedsNoInputs) {
  auto parsed = ParseSendArgs({"--help"});
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_TRUE(parsed->help);
}

class BuildConfigurationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("send_args_test-" + std::to_string(getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(BuildConfigurationTest, FlagsOverrideEnvironmentOverridesYaml) {
  const fs::path yaml = dir_ / "config.yaml";
  std::ofstream(yaml) << "table_name: yaml.s.t\n"
                         "zerobus_endpoint: http://yaml:1\n"
                         "client_id: yaml-client\n"
                         "max_inflight_requests: 11\n";
  auto parsed = ParseSendArgs({"a.csv", "--config", yaml.string(), "--table", "flag.s.t"});
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  auto config =
      BuildConfiguration(*parsed, Lookup({{Variable("client_id"), "env-client"},
                                          {Variable("client_secret"), "env-secret"},
                                          {Variable("table_name"), "env.s.t"},
                                          {Variable("unity_catalog_url"), "http://workspace:2"}}));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->table_name, "flag.s.t");
  EXPECT_EQ(config->client_id, "env-client");
  EXPECT_EQ(config->client_secret.expose(), "env-secret");
  EXPECT_EQ(config->zerobus_endpoint, "http://yaml:1");
  EXPECT_EQ(config->max_inflight_requests, 11);
}

TEST_F(BuildConfigurationTest, DebugDirTurnsOnBothDebugFormats) {
  auto parsed = ParseSendArgs(
      {"a.csv", "--table", "c.s.t", "--writer-disabled", "--debug-dir", dir_.string()});
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  auto config = BuildConfiguration(*parsed, Lookup({}));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_TRUE(config->zerobus_writer_disabled);
  EXPECT_TRUE(config->arrow_debug_on());
  EXPECT_TRUE(config->protobuf_debug_on());
  EXPECT_EQ(config->debug_output_dir, dir_);
}

TEST_F(BuildConfigurationTest, UnknownSetKeyIsNamed) {
  auto parsed = ParseSendArgs({"a.csv", "--table", "c.s.t", "--set", "no_such_key=1"});
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  auto config = BuildConfiguration(*parsed, Lookup({}));
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(config.status().message(), HasSubstr("no_such_key"));
}

// One message lists the problems of every layer: two misspelled YAML keys, a bad environment
// value and a bad --set value.
TEST_F(BuildConfigurationTest, EveryProblemOfEveryLayerIsListedOnce) {
  const fs::path yaml = dir_ / "config.yaml";
  std::ofstream(yaml) << "table_nam: a.b.c\nretry_max_atempts: 3\n";
  auto parsed = ParseSendArgs({"a.csv", "--config", yaml.string(), "--set", "window_size=x"});
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  auto config = BuildConfiguration(*parsed, Lookup({{Variable("stream_count"), "many"}}));
  ASSERT_FALSE(config.ok());
  const std::string message = config.status().message();
  EXPECT_EQ(config.status().kind(), ErrorKind::kConfiguration);
  for (const char* part : {"table_nam", "did you mean 'table_name'", "retry_max_atempts",
                           "ZEROBUS_STREAM_COUNT", "many", "window_size"}) {
    EXPECT_THAT(message, HasSubstr(part));
  }
}

TEST_F(BuildConfigurationTest, InvalidConfigurationIsReportedWithoutTheSecret) {
  auto parsed = ParseSendArgs({"a.csv", "--client-secret", "hunter2-very-secret"});
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  auto config = BuildConfiguration(*parsed, Lookup({}));
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(config.status().message(), HasSubstr("table_name"));
  EXPECT_THAT(config.status().message(), Not(HasSubstr("hunter2")));
}

}  // namespace
}  // namespace arrow_zerobus::cli
