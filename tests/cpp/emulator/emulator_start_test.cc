// Emulator::Start fails loudly when it cannot serve: a port another listener holds is refused
// (no SO_REUSEPORT sharing) with the address and the OS's reason, and a data directory it cannot
// create or write is refused with its path, before anything listens.
#include "emulator.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace arrow_zerobus::emulator {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

std::unique_ptr<Emulator> StartOrDie(EmulatorOptions options = {}) {
  auto started = Emulator::Start(std::move(options));
  EXPECT_TRUE(started.ok()) << started.status();
  return started.ok() ? std::move(started).value() : nullptr;
}

/// A directory of its own under the system's temporary directory, removed at the end.
class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "emulator_start_test.XXXXXX").string();
    path_ = ::mkdtemp(pattern.data()) != nullptr ? pattern : "";
  }
  ~ScratchDir() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

TEST(EmulatorStartTest, GrpcPortInUseIsRefusedWithTheAddress) {
  auto first = StartOrDie();
  ASSERT_NE(first, nullptr);
  EmulatorOptions options;
  options.grpc_port = first->grpc_port();
  auto second = Emulator::Start(options);
  ASSERT_FALSE(second.ok()) << "a second emulator shared gRPC port " << first->grpc_port();
  EXPECT_EQ(second.status().kind(), ErrorKind::kConnection);
  EXPECT_THAT(second.status().message(),
              AllOf(HasSubstr("127.0.0.1:" + std::to_string(first->grpc_port())), HasSubstr("gRPC"),
                    HasSubstr(std::strerror(EADDRINUSE))));
}

TEST(EmulatorStartTest, HttpPortInUseIsRefusedWithTheAddress) {
  auto first = StartOrDie();
  ASSERT_NE(first, nullptr);
  EmulatorOptions options;
  options.http_port = first->http_port();
  auto second = Emulator::Start(options);
  ASSERT_FALSE(second.ok()) << "a second emulator shared HTTP port " << first->http_port();
  EXPECT_THAT(second.status().message(),
              AllOf(HasSubstr("127.0.0.1:" + std::to_string(first->http_port())),
                    HasSubstr("OAuth endpoint"), HasSubstr(std::strerror(EADDRINUSE))));
}

TEST(EmulatorStartTest, PortZeroGivesEachEmulatorPortsOfItsOwn) {
  auto first = StartOrDie();
  auto second = StartOrDie();
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  EXPECT_NE(first->grpc_port(), second->grpc_port());
  EXPECT_NE(first->http_port(), second->http_port());
}

TEST(EmulatorStartTest, TheSamePortForBothServersIsRefused) {
  EmulatorOptions options;
  options.grpc_port = 47123;
  options.http_port = 47123;
  auto started = Emulator::Start(options);
  ASSERT_FALSE(started.ok());
  EXPECT_EQ(started.status().kind(), ErrorKind::kConfiguration);
  EXPECT_THAT(started.status().message(), AllOf(HasSubstr("47123"), HasSubstr("must differ")));
}

TEST(EmulatorStartTest, DataDirThatCannotBeCreatedIsRefusedWithItsPath) {
  for (const char* dir : {"/dev/null/x", "/proc/x"}) {
    SCOPED_TRACE(dir);
    EmulatorOptions options;
    options.data_dir = dir;
    auto started = Emulator::Start(options);
    ASSERT_FALSE(started.ok());
    EXPECT_EQ(started.status().kind(), ErrorKind::kIo);
    EXPECT_THAT(started.status().message(), AllOf(HasSubstr(std::string("data directory ") + dir),
                                                  HasSubstr("cannot be created")));
  }
  EmulatorOptions options;
  options.data_dir = "/dev/null/x";
  EXPECT_THAT(Emulator::Start(options).status().message(), HasSubstr(std::strerror(ENOTDIR)));
}

TEST(EmulatorStartTest, DataDirThatCannotBeWrittenIsRefusedWithItsPath) {
  // /proc/self exists and takes no new file, whoever asks (root included).
  EmulatorOptions options;
  options.data_dir = "/proc/self";
  auto started = Emulator::Start(options);
  ASSERT_FALSE(started.ok());
  EXPECT_THAT(started.status().message(),
              AllOf(HasSubstr("data directory /proc/self"), HasSubstr("is not writable")));
}

TEST(EmulatorStartTest, DataDirThatIsAFileIsRefused) {
  ScratchDir scratch;
  ASSERT_FALSE(scratch.path().empty());
  const std::filesystem::path file = scratch.path() / "file";
  std::ofstream(file) << "x";
  EmulatorOptions options;
  options.data_dir = file;
  auto started = Emulator::Start(options);
  ASSERT_FALSE(started.ok());
  EXPECT_THAT(started.status().message(), HasSubstr("data directory " + file.string()));
}

TEST(EmulatorStartTest, DataDirIsCreatedAndLeftEmpty) {
  ScratchDir scratch;
  ASSERT_FALSE(scratch.path().empty());
  EmulatorOptions options;
  options.data_dir = scratch.path() / "a" / "b";
  auto emulator = StartOrDie(options);
  ASSERT_NE(emulator, nullptr);
  ASSERT_TRUE(std::filesystem::is_directory(options.data_dir));
  EXPECT_TRUE(std::filesystem::is_empty(options.data_dir)) << "the probe file was left behind";
}

}  // namespace
}  // namespace arrow_zerobus::emulator
