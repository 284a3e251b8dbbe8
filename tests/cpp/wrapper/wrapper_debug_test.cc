// ZerobusWrapper's debug files and writer-disabled mode: files hold what was converted and sent,
// are readable after flush() and complete after shutdown(); writer-disabled mode converts and
// writes files without opening a single socket; debug I/O errors never fail a send.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <arrow/array/array_primitive.h>
#include <arrow/table.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "arrow_zerobus/wrapper.h"
#include "debug/debug_reader.h"
#include "testing/emulator_fixture.h"
#include "testing/wrapper_fixture.h"

namespace arrow_zerobus::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

fs::path FreshDir(const std::string& name) {
  fs::path dir =
      fs::temp_directory_path() / ("wrapper_debug_test-" + std::to_string(::getpid()) + "-" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::vector<fs::path> FilesIn(const fs::path& dir) {
  std::vector<fs::path> files;
  if (!fs::exists(dir)) return files;
  for (const auto& entry : fs::directory_iterator(dir)) files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  return files;
}

// Sockets this process holds, from /proc/self/fd.
int OpenSockets() {
  int sockets = 0;
  for (const auto& entry : fs::directory_iterator("/proc/self/fd")) {
    std::error_code error;
    fs::path target = fs::read_symlink(entry.path(), error);
    if (!error && target.string().rfind("socket:", 0) == 0) ++sockets;
  }
  return sockets;
}

// A TCP listener on 127.0.0.1 that nobody should ever connect to.
class Tripwire {
 public:
  Tripwire() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
    EXPECT_EQ(::listen(fd_, 4), 0);
    socklen_t length = sizeof(address);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    ::fcntl(fd_, F_SETFL, O_NONBLOCK);
  }
  ~Tripwire() { ::close(fd_); }
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }
  bool ConnectionAttempted() const {
    int client = ::accept(fd_, nullptr, nullptr);
    if (client < 0) return false;
    ::close(client);
    return true;
  }

 private:
  int fd_ = -1;
  int port_ = 0;
};

class WrapperDebugTest : public WireFormatTest {};
INSTANTIATE_WIRE_FORMATS(WrapperDebugTest);

TEST_P(WrapperDebugTest, WriterDisabledConvertsAndWritesFilesWithoutAnySocket) {
  const fs::path dir = FreshDir("disabled");
  Tripwire tripwire;
  WrapperConfiguration config(tripwire.endpoint(), "main.default.dry_run");
  config.wire_format = *ParseWireFormat(GetParam());
  config.with_debug_output(dir).with_zerobus_writer_disabled(true);  // no credentials at all
  const int sockets_before = OpenSockets();

  auto wrapper = ZerobusWrapper::Create(config);
  ASSERT_TRUE(wrapper.ok()) << wrapper.status();
  auto batch = EventsBatch(0, 20, /*null_ids=*/{4, 9});
  TransmissionResult result = (*wrapper)->send_batch(batch);
  ExpectEveryRowOnce(result);
  EXPECT_TRUE(result.success) << result.Summary();
  EXPECT_TRUE(result.writer_disabled);
  EXPECT_EQ(result.successful_count, 18);
  EXPECT_EQ(result.get_failed_row_indices(), (std::vector<int64_t>{4, 9}));
  EXPECT_EQ(result.failed_rows[0].error.kind(), ErrorKind::kConversion);
  EXPECT_EQ(result.requests_sent, 0);
  EXPECT_TRUE(result.stream_ids.empty());
  EXPECT_GT(result.encoded_bytes, 0);

  // Readable after flush, while the wrapper still runs.
  ASSERT_TRUE((*wrapper)->flush().ok());
  auto arrow_files = FilesIn(dir / "zerobus" / "arrow");
  ASSERT_EQ(arrow_files.size(), 1u);
  auto written = debug::ReadArrowDebugFile(arrow_files[0]);
  ASSERT_TRUE(written.ok()) << written.status();
  auto expected = arrow::Table::FromRecordBatches({batch});
  EXPECT_TRUE((*written)->Equals(**expected)) << "the Arrow file holds the batch as given";
  auto proto_files = FilesIn(dir / "zerobus" / "proto");
  ASSERT_EQ(proto_files.size(), 1u);
  auto records = debug::ReadRecordsAsArrow(proto_files[0]);
  ASSERT_TRUE(records.ok()) << records.status();
  EXPECT_EQ((*records)->num_rows(), 18) << "only converted rows are written";

  ASSERT_TRUE((*wrapper)->shutdown().ok());
  EXPECT_EQ(OpenSockets(), sockets_before);
  EXPECT_FALSE(tripwire.ConnectionAttempted());
  EXPECT_TRUE(fs::exists(debug::DescriptorPathFor(proto_files[0])));
}

TEST_P(WrapperDebugTest, WriterDisabledRequiresDebugOutput) {
  WrapperConfiguration config("https://1.zerobus.example.com", "main.default.dry_run");
  config.wire_format = *ParseWireFormat(GetParam());
  config.with_zerobus_writer_disabled(true);
  auto wrapper = ZerobusWrapper::Create(config);
  ASSERT_FALSE(wrapper.ok());
  EXPECT_EQ(wrapper.status().kind(), ErrorKind::kConfiguration);
  EXPECT_THAT(wrapper.status().message(), HasSubstr("debug"));
}

TEST_P(WrapperDebugTest, ProtobufDebugRecordsAreWhatLanded) {
  auto emu = StartEmulator();
  const fs::path dir = FreshDir("sent");
  WrapperConfiguration config = Config(*emu);
  config.debug_output_dir = dir;
  config.debug_protobuf_enabled = true;  // protobuf only
  auto wrapper = ZerobusWrapper::Create(config);
  ASSERT_TRUE(wrapper.ok()) << wrapper.status();
  ASSERT_TRUE((*wrapper)->send_batch(EventsBatch(0, 50, {7})).success);
  ASSERT_TRUE((*wrapper)->send_batch(EventsBatch(50, 50)).success);
  ASSERT_TRUE((*wrapper)->shutdown().ok());
  EXPECT_FALSE(fs::exists(dir / "zerobus" / "arrow")) << "Arrow output was not asked for";
  auto proto_files = FilesIn(dir / "zerobus" / "proto");
  ASSERT_EQ(proto_files.size(), 1u);
  auto records = debug::ReadRecordsAsArrow(proto_files[0]);
  ASSERT_TRUE(records.ok()) << records.status();
  auto ids = (*records)->GetColumnByName("id");
  ASSERT_NE(ids, nullptr);
  std::vector<int64_t> debug_ids;
  for (const auto& chunk : ids->chunks()) {
    const auto& values = static_cast<const arrow::Int64Array&>(*chunk);
    for (int64_t i = 0; i < values.length(); ++i) debug_ids.push_back(values.Value(i));
  }
  EXPECT_EQ(debug_ids, LandedIds(*emu, kTestTable));
  EXPECT_EQ(debug_ids.size(), 99u);
}

TEST_P(WrapperDebugTest, ArrowFilesRotateAndAreCompleteAfterShutdown) {
  const fs::path dir = FreshDir("rotate");
  WrapperConfiguration config("http://127.0.0.1:1", "main.default.rotating");
  config.wire_format = *ParseWireFormat(GetParam());
  config.with_debug_output(dir)
      .with_zerobus_writer_disabled(true)
      .with_debug_max_file_rows(10)
      .with_debug_max_files_retained(3);
  auto wrapper = ZerobusWrapper::Create(config);
  ASSERT_TRUE(wrapper.ok()) << wrapper.status();
  for (int i = 0; i < 6; ++i) {
    ASSERT_TRUE((*wrapper)->send_batch(EventsBatch(i * 10, 10)).success);
  }
  ASSERT_TRUE((*wrapper)->shutdown().ok());
  auto arrow_files = FilesIn(dir / "zerobus" / "arrow");
  ASSERT_EQ(arrow_files.size(), 3u) << "retention keeps the newest 3";
  int64_t first_id_expected = 30;
  for (const fs::path& file : arrow_files) {
    auto table = debug::ReadArrowDebugFile(file);
    ASSERT_TRUE(table.ok()) << table.status();
    ASSERT_EQ((*table)->num_rows(), 10);
    auto ids = std::static_pointer_cast<arrow::Int64Array>((*table)->column(0)->chunk(0));
    EXPECT_EQ(ids->Value(0), first_id_expected);
    first_id_expected += 10;
  }
}

TEST_P(WrapperDebugTest, DebugErrorsAreReportedOnceAndNeverFailTheSend) {
  auto emu = StartEmulator();
  const fs::path dir = FreshDir("broken");
  WrapperConfiguration config = Config(*emu);
  config.debug_output_dir = dir;
  config.debug_arrow_enabled = true;
  auto wrapper = ZerobusWrapper::Create(config);
  ASSERT_TRUE(wrapper.ok()) << wrapper.status();
  // Root ignores permissions, so break the directory by putting a file in its place.
  const fs::path arrow_dir = dir / "zerobus" / "arrow";
  fs::remove_all(arrow_dir);
  std::ofstream(arrow_dir.string()) << "not a directory";

  TransmissionResult first = (*wrapper)->send_batch(EventsBatch(0, 5));
  EXPECT_TRUE(first.success) << first.Summary();
  EXPECT_FALSE(first.debug_error.ok());
  EXPECT_THAT(first.debug_error.message(), HasSubstr("arrow"));
  TransmissionResult second = (*wrapper)->send_batch(EventsBatch(5, 5));
  EXPECT_TRUE(second.success);
  EXPECT_TRUE(second.debug_error.ok()) << "reported once";
  EXPECT_FALSE((*wrapper)->debug_status().ok());
  EXPECT_EQ(LandedIds(*emu, kTestTable), Iota(10));
}

}  // namespace
}  // namespace arrow_zerobus::testing
