// Persistent streams (exactly-once delivery) on the emulator: the stream engine with the
// PersistentStream protocol creates a stream, keeps its offsets across connections, resumes it by
// id after a cut (dropping what the server committed, resending the rest with the same offsets)
// and in a new engine after its watermark; the emulator lands each committed offset once, keeps
// its streams across a restart with a data directory, and refuses resumes it must refuse.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <google/protobuf/descriptor.pb.h>
#include <gtest/gtest.h>

#include "stream/stream_test_support.h"
#include "zerobus/persistent_protocol.h"

namespace arrow_zerobus::testing {
namespace {

using std::chrono::milliseconds;
using ::testing::HasSubstr;

std::shared_ptr<const stream::StreamProtocol> PersistentEvents(
    const std::string& descriptor = EventDescriptor()) {
  auto protocol = zerobus::PersistentProtocol::Make(kTestTable, descriptor);
  EXPECT_TRUE(protocol.ok()) << protocol.status();
  return protocol.ok() ? *protocol : nullptr;
}

Result<std::unique_ptr<stream::StreamEngine>> OpenPersistent(
    stream::StreamConfig config, const std::string& descriptor = EventDescriptor()) {
  return stream::StreamEngine::Open(std::move(config), PersistentEvents(descriptor));
}

Result<int64_t> Send(stream::StreamEngine& stream, int64_t first_id, int64_t count,
                     uint64_t tag = 0) {
  const auto& protocol = static_cast<const zerobus::RecordsProtocol&>(stream.protocol());
  return stream.Send(protocol.MakeRequest(EventRequest(first_id, count, tag)));
}

/// Every id in [0, count) landed exactly once, and nothing else.
void ExpectLandedExactlyOnce(std::vector<int64_t> landed, int64_t count) {
  std::sort(landed.begin(), landed.end());
  EXPECT_EQ(landed, Iota(count)) << "landed " << landed.size() << " rows for " << count;
}

class PersistentStreamTest : public ::testing::Test {};

TEST_F(PersistentStreamTest, CreatesAStreamWhoseOffsetsStartAtZero) {
  auto emu = StartEmulator();
  auto observer = std::make_shared<Resolutions>();
  auto config = OAuthConfig(*emu, kTestTable);
  config.observer = observer;
  auto stream = OpenPersistent(config);
  ASSERT_TRUE(stream.ok()) << stream.status();
  for (int i = 0; i < 5; ++i) {
    auto offset = Send(**stream, i * 2, 2, i);
    ASSERT_TRUE(offset.ok()) << offset.status();
    EXPECT_EQ(*offset, i);
  }
  ASSERT_TRUE((*stream)->Flush().ok());
  const auto stats = (*stream)->stats();
  EXPECT_FALSE(stats.stream_id.empty());
  EXPECT_EQ(stats.last_acked_offset, 4);
  EXPECT_EQ(stats.resumes, 0);
  EXPECT_EQ(Offsets(observer->acked()), Iota(5));
  const auto state = emu->state().persistent_streams().Find(stats.stream_id);
  ASSERT_TRUE(state.has_value());
  EXPECT_EQ(state->table, kTestTable);
  EXPECT_EQ(state->committed, 4);
  EXPECT_FALSE(state->retired);
  ASSERT_TRUE((*stream)->Close().ok());
  ExpectLandedExactlyOnce(LandedIds(*emu, kTestTable), 10);
}

TEST_F(PersistentStreamTest, RepeatedKillsLandEveryRowExactlyOnce) {
  auto emu = StartEmulator();
  emulator::FaultScript script;
  script.kill_every_requests = 15;  // the 15th request lands, its ack is lost with the connection
  script.ack_delay = milliseconds(2);
  emu->SetFaultScript(kTestTable, script);
  auto observer = std::make_shared<Resolutions>();
  auto config = OAuthConfig(*emu, kTestTable);
  config.observer = observer;
  config.options.max_inflight_requests = 8;
  auto stream = OpenPersistent(config);
  ASSERT_TRUE(stream.ok()) << stream.status();

  constexpr int kRequests = 200;
  constexpr int kRowsPerRequest = 3;
  for (int i = 0; i < kRequests; ++i) {
    auto offset = Send(**stream, i * kRowsPerRequest, kRowsPerRequest, i);
    ASSERT_TRUE(offset.ok()) << offset.status();
    ASSERT_EQ(*offset, i);
  }
  ASSERT_TRUE((*stream)->Flush().ok());
  const auto stats = (*stream)->stats();
  EXPECT_EQ(Offsets(observer->acked()), Iota(kRequests));
  EXPECT_EQ(Tags(observer->acked()), TagRange(kRequests));
  EXPECT_TRUE(observer->failed().empty());
  ExpectLandedExactlyOnce(LandedIds(*emu, kTestTable), kRequests * kRowsPerRequest);
  const auto counters = emu->Counters(kTestTable);
  EXPECT_GE(counters.connections_killed, kRequests / 15);
  EXPECT_EQ(stats.resumes, counters.connections_killed);
  // Each cut lost the ack of a request that landed: the resume reply acknowledged it.
  EXPECT_GE(stats.requests_committed_on_resume, counters.connections_killed);
  EXPECT_EQ(emu->state().persistent_streams().Find(stats.stream_id)->committed, kRequests - 1);
  ASSERT_TRUE((*stream)->Close().ok());
}

TEST_F(PersistentStreamTest, ANewEngineResumesTheStreamAfterItsWatermark) {
  auto emu = StartEmulator();
  auto config = OAuthConfig(*emu, kTestTable);
  std::string id;
  {
    auto first = OpenPersistent(config);
    ASSERT_TRUE(first.ok()) << first.status();
    for (int i = 0; i < 4; ++i) ASSERT_TRUE(Send(**first, i, 1).ok());
    ASSERT_TRUE((*first)->Close().ok());
    id = (*first)->stats().stream_id;
    EXPECT_EQ((*first)->stats().last_acked_offset, 3);
  }
  auto observer = std::make_shared<Resolutions>();
  config.observer = observer;
  config.resume_stream_id = id;
  auto second = OpenPersistent(config);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ((*second)->stats().stream_id, id);
  EXPECT_EQ((*second)->stats().last_acked_offset, 3);
  auto offset = Send(**second, 4, 2);
  ASSERT_TRUE(offset.ok()) << offset.status();
  EXPECT_EQ(*offset, 4);
  ASSERT_TRUE((*second)->WaitForOffset(4).ok());
  ASSERT_TRUE((*second)->Close().ok());
  EXPECT_EQ(Offsets(observer->acked()), std::vector<int64_t>{4});
  EXPECT_EQ((*second)->stats().resumes, 1);
  ExpectLandedExactlyOnce(LandedIds(*emu, kTestTable), 6);
  EXPECT_EQ(emu->state().persistent_streams().Find(id)->committed, 4);
}

TEST_F(PersistentStreamTest, AStreamSurvivesARestartOfTheEmulatorWithADataDirectory) {
  const auto dir = std::filesystem::path(::testing::TempDir()) /
                   ("persistent_" + std::to_string(::getpid()) + "_" +
                    std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
  emulator::EmulatorOptions options;
  options.data_dir = dir;
  std::string id;
  {
    auto emu = StartEmulator(options);
    auto stream = OpenPersistent(OAuthConfig(*emu, kTestTable));
    ASSERT_TRUE(stream.ok()) << stream.status();
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(Send(**stream, i, 1).ok());
    ASSERT_TRUE((*stream)->Close().ok());
    id = (*stream)->stats().stream_id;
  }
  auto emu = StartEmulator(options);
  auto config = OAuthConfig(*emu, kTestTable);
  config.resume_stream_id = id;
  auto stream = OpenPersistent(config);
  ASSERT_TRUE(stream.ok()) << stream.status();
  auto offset = Send(**stream, 3, 1);
  ASSERT_TRUE(offset.ok()) << offset.status();
  EXPECT_EQ(*offset, 3);
  ASSERT_TRUE((*stream)->Close().ok());
  EXPECT_EQ(emu->state().persistent_streams().Find(id)->committed, 3);
  EXPECT_TRUE(std::filesystem::exists(dir / "_persistent_streams" / (id + ".json")));
  std::filesystem::remove_all(dir);
}

TEST_F(PersistentStreamTest, AnUnknownOrRetiredStreamIsNotResumed) {
  auto emu = StartEmulator();
  auto config = OAuthConfig(*emu, kTestTable);
  config.resume_stream_id = "no-such-stream";
  auto unknown = OpenPersistent(config);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), StatusCode::kNotFound) << unknown.status();
  EXPECT_THAT(unknown.status().message(), HasSubstr("no-such-stream"));
  EXPECT_EQ(emu->Counters(kTestTable).streams_refused, 1) << "NOT_FOUND is not retried";

  config.resume_stream_id.clear();
  auto created = OpenPersistent(config);
  ASSERT_TRUE(created.ok()) << created.status();
  const std::string id = (*created)->stats().stream_id;
  ASSERT_TRUE((*created)->Close().ok());
  ASSERT_TRUE(emu->state().persistent_streams().Retire(kTestTable, id).ok());
  EXPECT_TRUE(emu->state().persistent_streams().Retire(kTestTable, id).ok()) << "idempotent";
  config.resume_stream_id = id;
  auto retired = OpenPersistent(config);
  ASSERT_FALSE(retired.ok());
  EXPECT_EQ(retired.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(retired.status().message(), HasSubstr("retired"));
}

TEST_F(PersistentStreamTest, AResumeMustMatchTheStreamsTableAndDescriptor) {
  auto emu = StartEmulator();
  auto config = OAuthConfig(*emu, kTestTable);
  auto created = OpenPersistent(config);
  ASSERT_TRUE(created.ok()) << created.status();
  const std::string id = (*created)->stats().stream_id;
  ASSERT_TRUE((*created)->Close().ok());

  google::protobuf::DescriptorProto other;
  other.set_name("Other");
  auto* field = other.add_field();
  field->set_name("id");
  field->set_number(1);
  field->set_type(google::protobuf::FieldDescriptorProto::TYPE_INT64);
  field->set_label(google::protobuf::FieldDescriptorProto::LABEL_OPTIONAL);
  config.resume_stream_id = id;
  auto mismatched = OpenPersistent(config, other.SerializeAsString());
  ASSERT_FALSE(mismatched.ok());
  EXPECT_EQ(mismatched.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(mismatched.status().message(), HasSubstr("descriptor_proto"));

  auto elsewhere = OAuthConfig(*emu, "main.default.other");
  elsewhere.resume_stream_id = id;
  auto other_table = stream::StreamEngine::Open(
      elsewhere, *zerobus::PersistentProtocol::Make("main.default.other", EventDescriptor()));
  ASSERT_FALSE(other_table.ok());
  EXPECT_EQ(other_table.status().code(), StatusCode::kNotFound) << other_table.status();
}

TEST_F(PersistentStreamTest, OnlyAPersistentStreamCanBeResumed) {
  auto emu = StartEmulator();
  auto config = OAuthConfig(*emu, kTestTable);
  config.resume_stream_id = "some-id";
  auto ephemeral = OpenEventStream(TestFormat::kProtobuf, config);
  ASSERT_FALSE(ephemeral.ok());
  EXPECT_EQ(ephemeral.status().kind(), ErrorKind::kConfiguration);
  EXPECT_THAT(ephemeral.status().message(), HasSubstr("only persistent streams"));
}

}  // namespace
}  // namespace arrow_zerobus::testing
