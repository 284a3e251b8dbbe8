// ParseEmulatorFlags: the quota flags land in the options, and every mistake names its flag.
#include "emulator_flags.h"

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace arrow_zerobus::emulator {
namespace {

using ::testing::HasSubstr;

Result<EmulatorFlags> Parse(std::vector<const char*> args) {
  args.insert(args.begin(), "zerobus-emulator");
  return ParseEmulatorFlags(static_cast<int>(args.size()), args.data());
}

TEST(EmulatorFlagsTest, QuotasAreOffWithoutFlags) {
  auto flags = Parse({});
  ASSERT_TRUE(flags.ok()) << flags.status();
  EXPECT_EQ(flags->options.stream_records_per_second, 0);
  EXPECT_EQ(flags->options.stream_bytes_per_second, 0);
  EXPECT_EQ(flags->options.table_bytes_per_second, 0);
  EXPECT_FALSE(flags->options.service_quotas);
}

TEST(EmulatorFlagsTest, QuotaFlagsSetTheOptions) {
  auto flags = Parse({"--stream-records-per-second", "20000", "--stream-bytes-per-second",
                      "5000000", "--table-bytes-per-second", "70000000", "--service-quotas"});
  ASSERT_TRUE(flags.ok()) << flags.status();
  EXPECT_EQ(flags->options.stream_records_per_second, 20000);
  EXPECT_EQ(flags->options.stream_bytes_per_second, 5000000);
  EXPECT_EQ(flags->options.table_bytes_per_second, 70000000);
  EXPECT_TRUE(flags->options.service_quotas);
}

TEST(EmulatorFlagsTest, OtherFlagsStillParse) {
  auto flags = Parse({"--host", "0.0.0.0", "--port", "5050", "--light", "--no-auth", "--client-id",
                      "me", "--client-secret", "s", "--token-lifetime", "60", "--fault-script",
                      "f.json", "--ready-file", "r.json"});
  ASSERT_TRUE(flags.ok()) << flags.status();
  EXPECT_EQ(flags->options.host, "0.0.0.0");
  EXPECT_EQ(flags->options.grpc_port, 5050);
  EXPECT_TRUE(flags->options.light);
  EXPECT_FALSE(flags->options.require_auth);
  EXPECT_EQ(flags->options.clients.at("me"), "s");
  EXPECT_EQ(flags->options.token_lifetime, std::chrono::seconds(60));
  EXPECT_EQ(flags->fault_script_path, "f.json");
  EXPECT_EQ(flags->ready_path, "r.json");
}

TEST(EmulatorFlagsTest, RequireZerobuswriteIsOffUnlessGiven) {
  auto lenient = Parse({});
  ASSERT_TRUE(lenient.ok()) << lenient.status();
  EXPECT_FALSE(lenient->options.require_zerobuswrite);
  auto strict = Parse({"--require-zerobuswrite"});
  ASSERT_TRUE(strict.ok()) << strict.status();
  EXPECT_TRUE(strict->options.require_zerobuswrite);
  EXPECT_THAT(std::string(EmulatorUsage()), HasSubstr("--require-zerobuswrite"));
}

TEST(EmulatorFlagsTest, MistakesNameTheirFlag) {
  const std::pair<std::vector<const char*>, std::vector<std::string>> cases[] = {
      {{"--stream-records-per-second", "-5"},
       {"--stream-records-per-second", "must not be negative"}},
      {{"--stream-bytes-per-second", "-1"}, {"--stream-bytes-per-second", "must not be negative"}},
      {{"--table-bytes-per-second", "-100"}, {"--table-bytes-per-second", "must not be negative"}},
      {{"--table-bytes-per-second", "10GB"}, {"--table-bytes-per-second", "whole number", "10GB"}},
      {{"--stream-records-per-second"}, {"--stream-records-per-second needs a value"}},
      {{"--port", "70000"}, {"--port", "at most 65535"}},
      {{"--quota"}, {"unknown option --quota"}},
      {{"--tls-cert", "c.pem"}, {"--tls-cert and --tls-key go together"}},
  };
  for (const auto& [args, parts] : cases) {
    SCOPED_TRACE(args.front());
    auto flags = Parse(args);
    ASSERT_FALSE(flags.ok());
    EXPECT_EQ(flags.status().kind(), ErrorKind::kConfiguration);
    for (const std::string& part : parts) EXPECT_THAT(flags.status().message(), HasSubstr(part));
  }
}

// Every flag that takes a value refuses a missing one, an empty one or one out of its range,
// naming itself; none throws.
TEST(EmulatorFlagsTest, EveryValueFlagRefusesBadValuesByName) {
  const std::pair<std::vector<const char*>, std::vector<std::string>> cases[] = {
      {{"--host"}, {"--host needs a value"}},
      {{"--host", ""}, {"--host needs a value, not an empty string"}},
      {{"--port"}, {"--port needs a value"}},
      {{"--port", "abc"}, {"--port needs a whole number, not 'abc'"}},
      {{"--port", "-1"}, {"--port must not be negative"}},
      {{"--port", "1.5"}, {"--port needs a whole number"}},
      {{"--port", "99999999999999999999"}, {"--port must be at most 65535"}},
      {{"--http-port", "65536"}, {"--http-port must be at most 65535"}},
      {{"--http-port", "x"}, {"--http-port needs a whole number"}},
      {{"--port", "5000", "--http-port", "5000"}, {"--port and --http-port must differ"}},
      {{"--data-dir"}, {"--data-dir needs a value"}},
      {{"--data-dir", ""}, {"--data-dir needs a value, not an empty string"}},
      {{"--fault-script", ""}, {"--fault-script needs a value, not an empty string"}},
      {{"--tables"}, {"--tables needs a value"}},
      {{"--client-id", ""}, {"--client-id needs a value, not an empty string"}},
      {{"--client-secret"}, {"--client-secret needs a value"}},
      {{"--token-lifetime", "0"}, {"--token-lifetime must be at least 1"}},
      {{"--token-lifetime", "-5"}, {"--token-lifetime must be at least 1"}},
      {{"--token-lifetime", "2147483648"}, {"--token-lifetime must be at most 2147483647"}},
      {{"--token-lifetime", "-99999999999999999999"}, {"--token-lifetime must be at least 1"}},
      {{"--workspace-id", ""}, {"--workspace-id needs a value, not an empty string"}},
      {{"--ready-file"}, {"--ready-file needs a value"}},
      {{"--tls-cert", ""}, {"--tls-cert needs a value, not an empty string"}},
      {{"--tls-key"}, {"--tls-key needs a value"}},
      {{"--table-bytes-per-second", "99999999999999999999"},
       {"--table-bytes-per-second must be at most"}},
      {{"port"}, {"unknown option port"}},
      {{"-p", "5"}, {"unknown option -p"}},
  };
  for (const auto& [args, parts] : cases) {
    SCOPED_TRACE(args.front());
    Result<EmulatorFlags> flags = ConfigurationError("not parsed");
    ASSERT_NO_THROW(flags = Parse(args));
    ASSERT_FALSE(flags.ok());
    EXPECT_EQ(flags.status().kind(), ErrorKind::kConfiguration);
    for (const std::string& part : parts) EXPECT_THAT(flags.status().message(), HasSubstr(part));
  }
}

TEST(EmulatorFlagsTest, UsageDocumentsTheExitStatuses) {
  EXPECT_THAT(std::string(EmulatorUsage()), HasSubstr("Exit status: 0"));
  EXPECT_THAT(std::string(EmulatorUsage()), HasSubstr("1 when it cannot start serving"));
  EXPECT_THAT(std::string(EmulatorUsage()), HasSubstr("2 for a wrong flag"));
}

TEST(EmulatorFlagsTest, UsageListsTheQuotaFlags) {
  for (const char* flag : {"--stream-records-per-second", "--stream-bytes-per-second",
                           "--table-bytes-per-second", "--service-quotas"}) {
    EXPECT_THAT(std::string(EmulatorUsage()), HasSubstr(flag));
  }
}

}  // namespace
}  // namespace arrow_zerobus::emulator
