// The emulator's persistent streams (the PersistentStream and RetireStream RPCs) seen by a raw
// client (the generated synchronous stub, no arrow-zerobus client code): create and resume, the
// stream's offsets across connections, each offset committed once, takeover by a later resume,
// every refusal with its status code and message, RetireStream, fault scripts, and the state
// files in a data directory that let the streams outlive the emulator.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include <unistd.h>

#include <arrow/array/array_primitive.h>
#include <gmock/gmock.h>
#include <google/protobuf/descriptor.pb.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "raw_ephemeral_stream.h"
#include "testing/arrow_builders.h"
#include "testing/emulator_fixture.h"
#include "zerobus_service.grpc.pb.h"

namespace arrow_zerobus::testing {
namespace {

namespace zb = ::databricks::zerobus;
using std::chrono::milliseconds;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kTableHeader[] = "x-databricks-zerobus-table-name";
constexpr char kOtherTable[] = "main.default.other";
constexpr milliseconds kDeadline(5000);

void ExpectStatus(const grpc::Status& status, grpc::StatusCode code,
                  const std::vector<std::string>& parts) {
  EXPECT_EQ(status.error_code(), code) << status.error_message();
  for (const std::string& part : parts) EXPECT_THAT(status.error_message(), HasSubstr(part));
}

// ---- requests ----

zb::PersistentStreamRequest CreateMessage(const std::string& table,
                                          std::optional<std::string> descriptor = EventDescriptor(),
                                          zb::RecordType type = zb::PROTO) {
  zb::PersistentStreamRequest request;
  auto* create = request.mutable_create_stream()->mutable_create_stream();
  create->set_table_name(table);
  if (descriptor) create->set_descriptor_proto(*descriptor);
  create->set_record_type(type);
  return request;
}

zb::PersistentStreamRequest ResumeMessage(const std::string& id,
                                          std::optional<std::string> descriptor = EventDescriptor(),
                                          zb::RecordType type = zb::PROTO) {
  zb::PersistentStreamRequest request;
  auto* resume = request.mutable_resume_stream();
  if (!id.empty()) resume->set_stream_id(id);
  if (descriptor) resume->set_descriptor_proto(*descriptor);
  resume->set_record_type(type);
  return request;
}

/// An ingest_record_batch at `offset` of Event records with `ids`.
zb::PersistentStreamRequest Batch(int64_t offset, const std::vector<int64_t>& ids) {
  zb::PersistentStreamRequest request;
  auto* batch = request.mutable_ingest_record_batch();
  batch->set_offset_id(offset);
  auto* body = batch->mutable_proto_encoded_batch();
  for (int64_t id : ids) body->add_records(EventRecord(id));
  return request;
}

/// The request this file sends at `offset` unless told otherwise: ids 2*offset and 2*offset+1,
/// so that the ids landed by offsets 0..n-1 are Iota(2n).
zb::PersistentStreamRequest BatchAt(int64_t offset) {
  return Batch(offset, {2 * offset, 2 * offset + 1});
}

zb::PersistentStreamRequest JsonBatch(int64_t offset, const std::vector<std::string>& records) {
  zb::PersistentStreamRequest request;
  auto* batch = request.mutable_ingest_record_batch();
  batch->set_offset_id(offset);
  auto* body = batch->mutable_json_batch();
  for (const auto& record : records) body->add_records(record);
  return request;
}

/// Event { optional int64 id = 1; optional string name = 2; optional int64 extra = 3; }: not the
/// descriptor the streams of this file are created with.
std::string OtherDescriptor() {
  google::protobuf::DescriptorProto message;
  message.ParseFromString(EventDescriptor());
  auto* extra = message.add_field();
  extra->set_name("extra");
  extra->set_number(3);
  extra->set_type(google::protobuf::FieldDescriptorProto::TYPE_INT64);
  extra->set_label(google::protobuf::FieldDescriptorProto::LABEL_OPTIONAL);
  return message.SerializeAsString();
}

// ---- a raw PersistentStream call ----

class RawPersistent {
 public:
  using Rpc = grpc::ClientReaderWriter<zb::PersistentStreamRequest, zb::PersistentStreamResponse>;

  RawPersistent(const emulator::Emulator& emu, const Headers& headers,
                milliseconds deadline = kDeadline)
      : stub_(zb::Zerobus::NewStub(ChannelTo(emu))) {
    context_.set_deadline(std::chrono::system_clock::now() + deadline);
    if (headers.table) context_.AddMetadata(kTableHeader, *headers.table);
    if (headers.authorization) context_.AddMetadata("authorization", *headers.authorization);
    rpc_ = stub_->PersistentStream(&context_);
  }

  ~RawPersistent() {
    if (finished_) return;
    context_.TryCancel();
    zb::PersistentStreamResponse ignored;
    while (rpc_->Read(&ignored)) {
    }
    (void)rpc_->Finish();
  }

  bool Write(const zb::PersistentStreamRequest& request) { return rpc_->Write(request); }

  std::optional<zb::PersistentStreamResponse> Read() {
    zb::PersistentStreamResponse response;
    if (!rpc_->Read(&response)) return std::nullopt;
    return response;
  }

  /// Sends create_stream and reads the reply: the new stream's id, or "" when the reply is not a
  /// create_stream_response.
  std::string Create(const zb::PersistentStreamRequest& create) {
    if (!Write(create)) return "";
    auto response = Read();
    if (!response || !response->has_create_stream_response()) return "";
    return response->create_stream_response().stream_id();
  }

  /// Sends resume_stream and reads the reply; nullopt when it is not a resume_stream_response.
  std::optional<zb::ResumeIngestStreamResponse> Resume(const zb::PersistentStreamRequest& resume) {
    if (!Write(resume)) return std::nullopt;
    auto response = Read();
    if (!response || !response->has_resume_stream_response()) return std::nullopt;
    return response->resume_stream_response();
  }

  /// The next message, which must be an ack; nullopt when the RPC ended or sent something else.
  std::optional<int64_t> ReadAck() {
    auto response = Read();
    if (!response) return std::nullopt;
    EXPECT_TRUE(response->has_ingest_record_response()) << response->ShortDebugString();
    if (!response->has_ingest_record_response()) return std::nullopt;
    return response->ingest_record_response().durability_ack_up_to_offset();
  }

  /// Reads until the RPC ends (what came is kept in `rest`), then returns its status.
  grpc::Status Finish(std::vector<zb::PersistentStreamResponse>* rest = nullptr) {
    zb::PersistentStreamResponse response;
    while (rpc_->Read(&response)) {
      if (rest != nullptr) rest->push_back(response);
    }
    finished_ = true;
    return rpc_->Finish();
  }

  /// Half-closes, then Finish.
  grpc::Status Close(std::vector<zb::PersistentStreamResponse>* rest = nullptr) {
    rpc_->WritesDone();
    return Finish(rest);
  }

 private:
  std::unique_ptr<zb::Zerobus::Stub> stub_;
  grpc::ClientContext context_;
  std::unique_ptr<Rpc> rpc_;
  bool finished_ = false;
};

/// Sends `request` and expects the RPC to end with `code` without acknowledging anything more.
void ExpectRefused(RawPersistent* stream, const zb::PersistentStreamRequest& request,
                   grpc::StatusCode code, const std::vector<std::string>& parts) {
  stream->Write(request);
  std::vector<zb::PersistentStreamResponse> rest;
  ExpectStatus(stream->Finish(&rest), code, parts);
  for (const auto& response : rest) {
    EXPECT_FALSE(response.has_ingest_record_response()) << response.ShortDebugString();
  }
}

/// Creates a stream on `table`, lands BatchAt(0..requests-1) acked one by one, and closes the
/// call; returns the stream id ("" on failure, which fails the test).
std::string CreateAndIngest(emulator::Emulator& emu, int64_t requests,
                            const std::string& table = kTestTable) {
  RawPersistent stream(emu, AuthFor(emu, table));
  const std::string id = stream.Create(CreateMessage(table));
  EXPECT_FALSE(id.empty());
  if (id.empty()) return id;
  for (int64_t offset = 0; offset < requests; ++offset) {
    EXPECT_TRUE(stream.Write(BatchAt(offset)));
    EXPECT_EQ(stream.ReadAck(), offset);
  }
  const grpc::Status closed = stream.Close();
  EXPECT_TRUE(closed.ok()) << closed.error_message();
  return id;
}

/// Resumes `id` on a new call, closes it, and returns the resume reply (nullopt, failing the
/// test, when the resume is refused).
std::optional<zb::ResumeIngestStreamResponse> ResumeAndClose(
    emulator::Emulator& emu, const std::string& id, const std::string& table = kTestTable) {
  RawPersistent stream(emu, AuthFor(emu, table));
  auto resumed = stream.Resume(ResumeMessage(id));
  if (!resumed) {
    ADD_FAILURE() << "resume of " << id << " refused: " << stream.Finish().error_message();
    return std::nullopt;
  }
  const grpc::Status closed = stream.Close();
  EXPECT_TRUE(closed.ok()) << closed.error_message();
  return resumed;
}

/// Expects the resume `request` (a new call with `headers`) to be refused with `code`.
void ExpectResumeRefused(emulator::Emulator& emu, const Headers& headers,
                         const zb::PersistentStreamRequest& request, grpc::StatusCode code,
                         const std::vector<std::string>& parts) {
  RawPersistent stream(emu, headers);
  ExpectRefused(&stream, request, code, parts);
}

grpc::Status Retire(const emulator::Emulator& emu, const Headers& headers, const std::string& table,
                    const std::string& id) {
  auto stub = zb::Zerobus::NewStub(ChannelTo(emu));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + kDeadline);
  if (headers.table) context.AddMetadata(kTableHeader, *headers.table);
  if (headers.authorization) context.AddMetadata("authorization", *headers.authorization);
  zb::RetireStreamRequest request;
  request.set_table_name(table);
  if (!id.empty()) request.set_stream_id(id);
  zb::RetireStreamResponse response;
  return stub->RetireStream(&context, request, &response);
}

/// An empty directory under the test temp dir.
std::filesystem::path FreshDir(const std::string& name) {
  const std::filesystem::path dir =
      std::filesystem::path(::testing::TempDir()) /
      ("emulator_persistent_" + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

nlohmann::json ReadJson(const std::filesystem::path& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
}

/// The ids of the rows in every landing file of stream `id` (<dir>/<table>/<id>*.arrows), sorted.
std::vector<int64_t> IdsInLandingFiles(const std::filesystem::path& dir, const std::string& id,
                                       const std::string& table = kTestTable) {
  std::vector<int64_t> ids;
  for (const auto& file : std::filesystem::directory_iterator(dir / table)) {
    const std::string name = file.path().filename().string();
    if (name.rfind(id, 0) != 0 || file.path().extension() != ".arrows") continue;
    const auto rows = ReadArrowsRows(file.path());
    if (rows == nullptr) continue;
    const auto& values = static_cast<const arrow::Int64Array&>(*rows->GetColumnByName("id"));
    for (int64_t row = 0; row < values.length(); ++row) ids.push_back(values.Value(row));
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

// ---- create and ingest ----

TEST(EmulatorPersistentTest, CreateMintsAnIdAndAcksAbsoluteOffsetsFromZero) {
  auto emu = StartEmulator();
  RawPersistent stream(*emu, AuthFor(*emu, kTestTable));
  const std::string id = stream.Create(CreateMessage(kTestTable));
  const std::regex uuid("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  EXPECT_TRUE(std::regex_match(id, uuid)) << id;
  for (int64_t offset = 0; offset < 3; ++offset) {
    ASSERT_TRUE(stream.Write(BatchAt(offset)));
    EXPECT_EQ(stream.ReadAck(), offset);
  }
  // A single-record request (ingest_record) takes the next offset too.
  zb::PersistentStreamRequest single;
  single.mutable_ingest_record()->set_offset_id(3);
  single.mutable_ingest_record()->set_proto_encoded_record(EventRecord(6));
  ASSERT_TRUE(stream.Write(single));
  EXPECT_EQ(stream.ReadAck(), 3);
  const grpc::Status closed = stream.Close();
  EXPECT_TRUE(closed.ok()) << closed.error_message();
  EXPECT_EQ(LandedIds(*emu, kTestTable), Iota(7));
  EXPECT_EQ(emu->Counters(kTestTable).streams_created, 1);

  // Another create is another stream, again from offset 0.
  EXPECT_NE(CreateAndIngest(*emu, 1), id);
}

TEST(EmulatorPersistentTest, NewStreamStartsAtOffsetZero) {
  auto emu = StartEmulator();
  RawPersistent stream(*emu, AuthFor(*emu, kTestTable));
  ASSERT_FALSE(stream.Create(CreateMessage(kTestTable)).empty());
  ExpectRefused(&stream, BatchAt(1), grpc::StatusCode::INVALID_ARGUMENT,
                {"Non-incremental offset: expected 0, actual 1"});
  EXPECT_TRUE(LandedIds(*emu, kTestTable).empty());
}

TEST(EmulatorPersistentTest, JsonStreamCreatesAndResumes) {
  auto emu = StartEmulator();
  std::string id;
  {
    RawPersistent stream(*emu, AuthFor(*emu, kTestTable));
    id = stream.Create(CreateMessage(kTestTable, std::nullopt, zb::JSON));
    ASSERT_FALSE(id.empty());
    ASSERT_TRUE(stream.Write(JsonBatch(0, {R"({"id": 1})", R"({"id": 2})"})));
    EXPECT_EQ(stream.ReadAck(), 0);
    EXPECT_TRUE(stream.Close().ok());
  }
  RawPersistent resumed(*emu, AuthFor(*emu, kTestTable));
  auto reply = resumed.Resume(ResumeMessage(id, std::nullopt, zb::JSON));
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->last_committed_offset(), 0);
  ASSERT_TRUE(resumed.Write(JsonBatch(1, {R"({"id": 3})"})));
  EXPECT_EQ(resumed.ReadAck(), 1);
  // PROTO records into the JSON stream are refused as on an ephemeral stream.
  ExpectRefused(&resumed, BatchAt(2), grpc::StatusCode::INVALID_ARGUMENT,
                {"Record type mismatch", "created for JSON records"});
  EXPECT_EQ(emu->Counters(kTestTable).records, 3);
}

// ---- resume and the stream's offsets ----

TEST(EmulatorPersistentTest, ResumeReportsTheLastCommittedOffsetAbsentWhenNone) {
  auto emu = StartEmulator();
  const std::string id = CreateAndIngest(*emu, 0);
  {
    RawPersistent stream(*emu, AuthFor(*emu, kTestTable));
    auto reply = stream.Resume(ResumeMessage(id));
    ASSERT_TRUE(reply.has_value());
    EXPECT_FALSE(reply->has_last_committed_offset()) << reply->ShortDebugString();
    ASSERT_TRUE(stream.Write(BatchAt(0)));
    EXPECT_EQ(stream.ReadAck(), 0);
    ASSERT_TRUE(stream.Write(BatchAt(1)));
    EXPECT_EQ(stream.ReadAck(), 1);
    EXPECT_TRUE(stream.Close().ok());
  }
  auto reply = ResumeAndClose(*emu, id);
  ASSERT_TRUE(reply.has_value());
  ASSERT_TRUE(reply->has_last_committed_offset());
  EXPECT_EQ(reply->last_committed_offset(), 1);
  EXPECT_EQ(LandedIds(*emu, kTestTable), Iota(4));
}

TEST(EmulatorPersistentTest, AfterResumeOffsetsContinueAndAcksAreAbsolute) {
  auto emu = StartEmulator();
  const std::string id = CreateAndIngest(*emu, 3);
  RawPersistent stream(*emu, AuthFor(*emu, kTestTable));
  auto reply = stream.Resume(ResumeMessage(id));
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->last_committed_offset(), 2);
  for (int64_t offset = 3; offset < 5; ++offset) {
    ASSERT_TRUE(stream.Write(BatchAt(offset)));
    EXPECT_EQ(stream.ReadAck(), offset);  // the stream's offset, not the call's
  }
  EXPECT_TRUE(stream.Close().ok());
  EXPECT_EQ(LandedIds(*emu, kTestTable), Iota(10));
}

TEST(EmulatorPersistentTest, AfterResumeACommittedOffsetIsRefusedAndLandsNothing) {
  auto emu = StartEmulator();
  const std::string id = CreateAndIngest(*emu, 2);
  for (int64_t repeated : {1, 0}) {
    SCOPED_TRACE(repeated);
    RawPersistent stream(*emu, AuthFor(*emu, kTestTable));
    auto reply = stream.Resume(ResumeMessage(id));
    ASSERT_TRUE(reply.has_value());
    EXPECT_EQ(reply->last_committed_offset(), 1);
    ExpectRefused(&stream, BatchAt(repeated), grpc::StatusCode::INVALID_ARGUMENT,
                  {"Non-incremental offset: expected 2, actual " + std::to_string(repeated)});
  }
  EXPECT_EQ(LandedIds(*emu, kTestTable), Iota(4));
  auto reply = ResumeAndClose(*emu, id);
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->last_committed_offset(), 1);
}

TEST(EmulatorPersistentTest, AfterResumeAGapIsRefusedAndTheNextOffsetStillLands) {
  auto emu = StartEmulator();
  const std::string id = CreateAndIngest(*emu, 2);
  {
    RawPersistent stream(*emu, AuthFor(*emu, kTestTable));
    ASSERT_TRUE(stream.Resume(ResumeMessage(id)).has_value());
    ExpectRefused(&stream, BatchAt(3), grpc::StatusCode::INVALID_ARGUMENT,
                  {"Non-incremental offset: expected 2, actual 3"});
  }
  EXPECT_EQ(LandedIds(*emu, kTestTable), Iota(4));
  RawPersistent stream(*emu, AuthFor(*emu, kTestTable));
  auto reply = stream.Resume(ResumeMessage(id));
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->last_committed_offset(), 1);
  ASSERT_TRUE(stream.Write(BatchAt(2)));
  EXPECT_EQ(stream.ReadAck(), 2);
  EXPECT_TRUE(stream.Close().ok());
  EXPECT_EQ(LandedIds(*emu, kTestTable), Iota(6));
}

TEST(EmulatorPersistentTest, KilledRequestLandsOnceAndResumeReportsItCommitted) {
  auto emu = StartEmulator();
  emulator::FaultScript script;
  script.kill_every_requests = 3;
  emu->SetFaultScript(kTestTable, script);
  RawPersistent first(*emu, AuthFor(*emu, kTestTable));
  const std::string id = first.Create(CreateMessage(kTestTable));
  ASSERT_FALSE(id.empty());
  int64_t next = 0;
  for (int connection = 0; connection < 2; ++connection) {
    SCOPED_TRACE(connection);
    std::optional<RawPersistent> resumed;
    RawPersistent* stream = &first;
    if (connection > 0) {
      resumed.emplace(*emu, AuthFor(*emu, kTestTable));
      stream = &*resumed;
      auto reply = stream->Resume(ResumeMessage(id));
      ASSERT_TRUE(reply.has_value());
      EXPECT_EQ(reply->last_committed_offset(), next - 1);
    }
    // Three requests: the third lands, then the connection is cut before its ack.
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(stream->Write(BatchAt(next + i)));
    std::vector<zb::PersistentStreamResponse> rest;
    ExpectStatus(stream->Finish(&rest), grpc::StatusCode::UNAVAILABLE, {"Connection reset"});
    for (const auto& response : rest) {
      ASSERT_TRUE(response.has_ingest_record_response()) << response.ShortDebugString();
      EXPECT_LT(response.ingest_record_response().durability_ack_up_to_offset(), next + 2);
    }
    next += 3;
  }
  EXPECT_EQ(emu->Counters(kTestTable).connections_killed, 2);
  // Every request landed once, the killed ones included.
  EXPECT_EQ(LandedIds(*emu, kTestTable), Iota(12));
  // The resume says the last killed request committed: a client resends nothing.
  RawPersistent stream(*emu, AuthFor(*emu, kTestTable));
  auto reply = stream.Resume(ResumeMessage(id));
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->last_committed_offset(), 5);
  // ... and a resend of the killed request is refused: it cannot land twice.
  ExpectRefused(&stream, BatchAt(5), grpc::StatusCode::INVALID_ARGUMENT, {"expected 6, actual 5"});
  EXPECT_EQ(LandedIds(*emu, kTestTable), Iota(12));
}

TEST(EmulatorPersistentTest, ErrorEventRefusesTheRequestWhichDoesNotCommit) {
  auto emu = StartEmulator();
  emulator::FaultScript script;
  emulator::StreamEvent error = FaultEvent(emulator::StreamEvent::Kind::kError, 2);
  error.code = StatusCode::kResourceExhausted;
  error.message = "quota gone";
  script.events = {error};
  emu->SetFaultScript(kTestTable, script);
  RawPersistent stream(*emu, AuthFor(*emu, kTestTable));
  const std::string id = stream.Create(CreateMessage(kTestTable));
  ASSERT_FALSE(id.empty());
  ASSERT_TRUE(stream.Write(BatchAt(0)));
  EXPECT_EQ(stream.ReadAck(), 0);
  ExpectRefused(&stream, BatchAt(1), grpc::StatusCode::RESOURCE_EXHAUSTED, {"quota gone"});
  auto reply = ResumeAndClose(*emu, id);
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->last_committed_offset(), 0);
  EXPECT_EQ(LandedIds(*emu, kTestTable), Iota(2));
}

// ---- takeover ----

TEST(EmulatorPersistentTest, ALaterResumeTakesTheStreamOver) {
  auto emu = StartEmulator();
  RawPersistent first(*emu, AuthFor(*emu, kTestTable));
  const std::string id = first.Create(CreateMessage(kTestTable));
  ASSERT_FALSE(id.empty());
  ASSERT_TRUE(first.Write(BatchAt(0)));
  EXPECT_EQ(first.ReadAck(), 0);

  RawPersistent second(*emu, AuthFor(*emu, kTestTable));
  auto reply = second.Resume(ResumeMessage(id));
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->last_committed_offset(), 0);
  // The first connection's next request, though at its next offset, is refused.
  ExpectRefused(&first, Batch(1, {100}), grpc::StatusCode::ABORTED,
                {"Persistent stream " + id, "was resumed on another connection"});

  ASSERT_TRUE(second.Write(BatchAt(1)));
  EXPECT_EQ(second.ReadAck(), 1);

  // A third resume takes it from the second in turn.
  RawPersistent third(*emu, AuthFor(*emu, kTestTable));
  ASSERT_TRUE(third.Resume(ResumeMessage(id)).has_value());
  ExpectRefused(&second, BatchAt(2), grpc::StatusCode::ABORTED,
                {"was resumed on another connection"});
  ASSERT_TRUE(third.Write(BatchAt(2)));
  EXPECT_EQ(third.ReadAck(), 2);
  EXPECT_TRUE(third.Close().ok());
  EXPECT_EQ(LandedIds(*emu, kTestTable), Iota(6));
}

TEST(EmulatorPersistentTest, ARefusedResumeDoesNotTakeTheStreamOver) {
  auto emu = StartEmulator();
  RawPersistent first(*emu, AuthFor(*emu, kTestTable));
  const std::string id = first.Create(CreateMessage(kTestTable));
  ASSERT_FALSE(id.empty());
  ASSERT_TRUE(first.Write(BatchAt(0)));
  EXPECT_EQ(first.ReadAck(), 0);
  ExpectResumeRefused(*emu, AuthFor(*emu, kTestTable), ResumeMessage(id, OtherDescriptor()),
                      grpc::StatusCode::INVALID_ARGUMENT, {"descriptor_proto"});
  ExpectResumeRefused(*emu, AuthFor(*emu, kTestTable), ResumeMessage(id, std::nullopt, zb::JSON),
                      grpc::StatusCode::INVALID_ARGUMENT, {"record_type"});
  ExpectResumeRefused(*emu, {kTestTable, std::nullopt}, ResumeMessage(id),
                      grpc::StatusCode::UNAUTHENTICATED, {"Missing bearer token"});
  ASSERT_TRUE(first.Write(BatchAt(1)));
  EXPECT_EQ(first.ReadAck(), 1);
  EXPECT_TRUE(first.Close().ok());
  EXPECT_EQ(LandedIds(*emu, kTestTable), Iota(4));
}

TEST(EmulatorPersistentTest, AResumeRefusedByAScriptedCreateFaultDoesNotTakeTheStreamOver) {
  auto emu = StartEmulator();
  RawPersistent first(*emu, AuthFor(*emu, kTestTable));
  const std::string id = first.Create(CreateMessage(kTestTable));
  ASSERT_FALSE(id.empty());
  ASSERT_TRUE(first.Write(BatchAt(0)));
  EXPECT_EQ(first.ReadAck(), 0);
  emulator::FaultScript script;
  script.create_faults = {{StatusCode::kUnavailable, "resume refused by script", milliseconds(0)}};
  emu->SetFaultScript(kTestTable, script);
  ExpectResumeRefused(*emu, AuthFor(*emu, kTestTable), ResumeMessage(id),
                      grpc::StatusCode::UNAVAILABLE, {"resume refused by script"});
  // The resume was refused: the stream's connection is still the first one.
  ASSERT_TRUE(first.Write(BatchAt(1)));
  EXPECT_EQ(first.ReadAck(), 1);
  const grpc::Status closed = first.Close();
  EXPECT_TRUE(closed.ok()) << closed.error_message();
  EXPECT_EQ(LandedIds(*emu, kTestTable), Iota(4));
}

// ---- refusals of the first message ----

TEST(EmulatorPersistentTest, ScriptedCreateFaultsApplyToCreateAndResume) {
  auto emu = StartEmulator();
  // Faults are consumed one per first message, in order: the first create is refused.
  emulator::FaultScript script;
  script.create_faults = {{StatusCode::kUnavailable, "create refused by script", milliseconds(0)}};
  emu->SetFaultScript(kTestTable, script);
  ExpectResumeRefused(*emu, AuthFor(*emu, kTestTable), CreateMessage(kTestTable),
                      grpc::StatusCode::UNAVAILABLE, {"create refused by script"});
  const std::string id = CreateAndIngest(*emu, 1);  // the fault is used up
  ASSERT_FALSE(id.empty());
  script.create_faults = {{StatusCode::kInternal, "resume refused by script", milliseconds(0)}};
  emu->SetFaultScript(kTestTable, script);
  ExpectResumeRefused(*emu, AuthFor(*emu, kTestTable), ResumeMessage(id),
                      grpc::StatusCode::INTERNAL, {"resume refused by script"});
  auto reply = ResumeAndClose(*emu, id);  // used up too
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->last_committed_offset(), 0);
  EXPECT_EQ(emu->Counters(kTestTable).streams_refused, 2);
  EXPECT_EQ(LandedIds(*emu, kTestTable), Iota(2));
}

TEST(EmulatorPersistentTest, ResumeOfAnUnknownIdIsNotFound) {
  auto emu = StartEmulator();
  CreateAndIngest(*emu, 1);
  const std::string unknown = "00000000-0000-4000-8000-000000000000";
  ExpectResumeRefused(*emu, AuthFor(*emu, kTestTable), ResumeMessage(unknown),
                      grpc::StatusCode::NOT_FOUND,
                      {"No persistent stream " + unknown, "table main.default.events"});
  ExpectResumeRefused(*emu, AuthFor(*emu, kTestTable), ResumeMessage(""),
                      grpc::StatusCode::INVALID_ARGUMENT, {"resume_stream needs a stream_id"});
}

TEST(EmulatorPersistentTest, ResumeOfAnotherTablesStreamIsNotFound) {
  auto emu = StartEmulator();
  const std::string id = CreateAndIngest(*emu, 1);
  // The table comes from the header: a stream of main.default.events is not one of "other".
  ExpectResumeRefused(*emu, AuthFor(*emu, kOtherTable), ResumeMessage(id),
                      grpc::StatusCode::NOT_FOUND,
                      {"No persistent stream " + id, "table main.default.other"});
  ExpectResumeRefused(*emu, {std::nullopt, AuthFor(*emu, kTestTable).authorization},
                      ResumeMessage(id), grpc::StatusCode::INVALID_ARGUMENT,
                      {"Missing the x-databricks-zerobus-table-name header"});
  ExpectResumeRefused(*emu, {kTestTable, AuthFor(*emu, kOtherTable).authorization},
                      ResumeMessage(id), grpc::StatusCode::PERMISSION_DENIED,
                      {"does not grant access to table main.default.events"});
}

TEST(EmulatorPersistentTest, ResumeWithAnotherDescriptorOrRecordTypeIsInvalid) {
  auto emu = StartEmulator();
  const std::string id = CreateAndIngest(*emu, 1);
  ExpectResumeRefused(*emu, AuthFor(*emu, kTestTable), ResumeMessage(id, OtherDescriptor()),
                      grpc::StatusCode::INVALID_ARGUMENT,
                      {"descriptor_proto is not the one stream " + id + " was created with"});
  ExpectResumeRefused(*emu, AuthFor(*emu, kTestTable), ResumeMessage(id, std::nullopt),
                      grpc::StatusCode::INVALID_ARGUMENT, {"descriptor_proto is not the one"});
  ExpectResumeRefused(*emu, AuthFor(*emu, kTestTable), ResumeMessage(id, std::nullopt, zb::JSON),
                      grpc::StatusCode::INVALID_ARGUMENT,
                      {"record_type 2", "created with record_type 1"});
  // The right ones still resume it.
  auto reply = ResumeAndClose(*emu, id);
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->last_committed_offset(), 0);
}

TEST(EmulatorPersistentTest, SecondCreateOrResumeOnAnOpenCallIsRefused) {
  auto emu = StartEmulator();
  const std::string id = CreateAndIngest(*emu, 1);
  {
    RawPersistent stream(*emu, AuthFor(*emu, kTestTable));
    ASSERT_FALSE(stream.Create(CreateMessage(kTestTable)).empty());
    ExpectRefused(&stream, CreateMessage(kTestTable), grpc::StatusCode::INVALID_ARGUMENT,
                  {"create_stream or resume_stream may be sent only once"});
  }
  {
    RawPersistent stream(*emu, AuthFor(*emu, kTestTable));
    ASSERT_FALSE(stream.Create(CreateMessage(kTestTable)).empty());
    ExpectRefused(&stream, ResumeMessage(id), grpc::StatusCode::INVALID_ARGUMENT,
                  {"create_stream or resume_stream may be sent only once"});
  }
  {
    RawPersistent stream(*emu, AuthFor(*emu, kTestTable));
    ASSERT_TRUE(stream.Resume(ResumeMessage(id)).has_value());
    ASSERT_TRUE(stream.Write(BatchAt(1)));
    EXPECT_EQ(stream.ReadAck(), 1);
    ExpectRefused(&stream, ResumeMessage(id), grpc::StatusCode::INVALID_ARGUMENT,
                  {"may be sent only once, as the first message"});
  }
  EXPECT_EQ(LandedIds(*emu, kTestTable), Iota(4));
}

TEST(EmulatorPersistentTest, IngestBeforeCreateIsRefused) {
  auto emu = StartEmulator();
  RawPersistent stream(*emu, AuthFor(*emu, kTestTable));
  ExpectRefused(&stream, BatchAt(0), grpc::StatusCode::INVALID_ARGUMENT,
                {"The first message of a stream must be create_stream or resume_stream"});
  EXPECT_EQ(emu->Counters(kTestTable).records, 0);
}

// ---- RetireStream ----

TEST(EmulatorPersistentTest, RetireIsIdempotentAndARetiredStreamCannotBeResumed) {
  auto emu = StartEmulator();
  const std::string id = CreateAndIngest(*emu, 1);
  const std::string other = CreateAndIngest(*emu, 1);
  for (int attempt = 0; attempt < 2; ++attempt) {
    const grpc::Status retired = Retire(*emu, AuthFor(*emu, kTestTable), kTestTable, id);
    EXPECT_TRUE(retired.ok()) << attempt << ": " << retired.error_message();
  }
  ExpectResumeRefused(*emu, AuthFor(*emu, kTestTable), ResumeMessage(id),
                      grpc::StatusCode::NOT_FOUND, {"Persistent stream " + id, "retired"});
  // Only that stream.
  auto reply = ResumeAndClose(*emu, other);
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->last_committed_offset(), 0);
}

TEST(EmulatorPersistentTest, RetireOfAnUnknownOrAnotherTablesStreamIsNotFound) {
  auto emu = StartEmulator();
  const std::string id = CreateAndIngest(*emu, 1);
  const std::string unknown = "00000000-0000-4000-8000-000000000000";
  ExpectStatus(Retire(*emu, AuthFor(*emu, kTestTable), kTestTable, unknown),
               grpc::StatusCode::NOT_FOUND, {"No persistent stream " + unknown});
  ExpectStatus(Retire(*emu, AuthFor(*emu, kOtherTable), kOtherTable, id),
               grpc::StatusCode::NOT_FOUND, {"No persistent stream " + id, kOtherTable});
  ExpectStatus(Retire(*emu, AuthFor(*emu, kTestTable), kTestTable, ""),
               grpc::StatusCode::INVALID_ARGUMENT, {"RetireStream needs a stream_id"});
  // None of those retired the stream.
  auto reply = ResumeAndClose(*emu, id);
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->last_committed_offset(), 0);
}

TEST(EmulatorPersistentTest, RetireNeedsTheTablesBearerToken) {
  auto emu = StartEmulator();  // require_auth is on by default
  const std::string id = CreateAndIngest(*emu, 1);
  ExpectStatus(Retire(*emu, {kTestTable, std::nullopt}, kTestTable, id),
               grpc::StatusCode::UNAUTHENTICATED,
               {"Missing bearer token in the authorization header"});
  ExpectStatus(Retire(*emu, {kTestTable, "Bearer emu-0123456789"}, kTestTable, id),
               grpc::StatusCode::UNAUTHENTICATED, {"unknown or expired"});
  ExpectStatus(Retire(*emu, AuthFor(*emu, kOtherTable), kTestTable, id),
               grpc::StatusCode::PERMISSION_DENIED,
               {"does not grant access to table main.default.events"});
  // Still not retired.
  auto reply = ResumeAndClose(*emu, id);
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->last_committed_offset(), 0);

  // Without required auth no token is needed.
  emulator::EmulatorOptions options;
  options.require_auth = false;
  auto open = StartEmulator(options);
  const std::string open_id = CreateAndIngest(*open, 1);
  const grpc::Status retired = Retire(*open, {std::nullopt, std::nullopt}, kTestTable, open_id);
  EXPECT_TRUE(retired.ok()) << retired.error_message();
}

TEST(EmulatorPersistentTest, RetiringRefusesTheOpenConnectionsNextRequest) {
  auto emu = StartEmulator();
  RawPersistent stream(*emu, AuthFor(*emu, kTestTable));
  const std::string id = stream.Create(CreateMessage(kTestTable));
  ASSERT_FALSE(id.empty());
  ASSERT_TRUE(stream.Write(BatchAt(0)));
  EXPECT_EQ(stream.ReadAck(), 0);
  const grpc::Status retired = Retire(*emu, AuthFor(*emu, kTestTable), kTestTable, id);
  ASSERT_TRUE(retired.ok()) << retired.error_message();
  ExpectRefused(&stream, BatchAt(1), grpc::StatusCode::NOT_FOUND,
                {"Persistent stream " + id, "retired"});
  EXPECT_EQ(LandedIds(*emu, kTestTable), Iota(2));
}

// ---- state files and restarts ----

TEST(EmulatorPersistentTest, StateFileIsWrittenOnEveryChange) {
  const auto dir = FreshDir("state");
  emulator::EmulatorOptions options;
  options.data_dir = dir;
  auto emu = StartEmulator(options);
  const auto streams = dir / "_persistent_streams";
  EXPECT_FALSE(std::filesystem::exists(streams));  // made with the first stream

  RawPersistent stream(*emu, AuthFor(*emu, kTestTable));
  const std::string id = stream.Create(CreateMessage(kTestTable));
  ASSERT_FALSE(id.empty());
  const auto file = streams / (id + ".json");
  nlohmann::json state = ReadJson(file);
  EXPECT_EQ(state.value("table", ""), kTestTable) << state.dump();
  EXPECT_EQ(state.value("committed", 0), -1) << state.dump();
  EXPECT_EQ(state.value("record_type", 0), 1) << state.dump();
  EXPECT_EQ(state.value("retired", true), false) << state.dump();
  for (int64_t offset = 0; offset < 2; ++offset) {
    ASSERT_TRUE(stream.Write(BatchAt(offset)));
    EXPECT_EQ(stream.ReadAck(), offset);
    EXPECT_EQ(ReadJson(file).value("committed", -2), offset);  // durable before its ack
  }
  EXPECT_TRUE(stream.Close().ok());
  ASSERT_TRUE(Retire(*emu, AuthFor(*emu, kTestTable), kTestTable, id).ok());
  state = ReadJson(file);
  EXPECT_EQ(state.value("retired", false), true) << state.dump();
  EXPECT_EQ(state.value("committed", -2), 1) << state.dump();
  emu.reset();
  std::filesystem::remove_all(dir);
}

TEST(EmulatorPersistentTest, StreamsSurviveARestartWithTheSameDataDir) {
  const auto dir = FreshDir("restart");
  emulator::EmulatorOptions options;
  options.data_dir = dir;
  std::string id;
  std::string retired;
  {
    auto first = StartEmulator(options);
    id = CreateAndIngest(*first, 2);
    retired = CreateAndIngest(*first, 1);
    ASSERT_TRUE(Retire(*first, AuthFor(*first, kTestTable), kTestTable, retired).ok());
  }
  auto second = StartEmulator(options);
  RawPersistent stream(*second, AuthFor(*second, kTestTable));
  auto reply = stream.Resume(ResumeMessage(id));
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->last_committed_offset(), 1);
  ASSERT_TRUE(stream.Write(BatchAt(2)));
  EXPECT_EQ(stream.ReadAck(), 2);
  EXPECT_TRUE(stream.Close().ok());
  EXPECT_THAT(LandedIds(*second, kTestTable), ElementsAre(4, 5));
  // The restarted emulator still checks the descriptor, and the retired stream stays retired.
  ExpectResumeRefused(*second, AuthFor(*second, kTestTable), ResumeMessage(id, OtherDescriptor()),
                      grpc::StatusCode::INVALID_ARGUMENT, {"descriptor_proto"});
  ExpectResumeRefused(*second, AuthFor(*second, kTestTable), ResumeMessage(retired),
                      grpc::StatusCode::NOT_FOUND, {"retired"});
  second.reset();
  std::filesystem::remove_all(dir);
}

TEST(EmulatorPersistentTest, EachConnectionLandsInItsOwnFile) {
  const auto dir = FreshDir("files");
  emulator::EmulatorOptions options;
  options.data_dir = dir;
  auto emu = StartEmulator(options);
  const std::string id = CreateAndIngest(*emu, 2);
  RawPersistent stream(*emu, AuthFor(*emu, kTestTable));
  ASSERT_TRUE(stream.Resume(ResumeMessage(id)).has_value());
  ASSERT_TRUE(stream.Write(BatchAt(2)));
  EXPECT_EQ(stream.ReadAck(), 2);
  EXPECT_TRUE(stream.Close().ok());
  emu.reset();  // closes the landing files
  EXPECT_EQ(IdsInLandingFiles(dir, id), Iota(6));
  std::filesystem::remove_all(dir);
}

TEST(EmulatorPersistentTest, ARestartKeepsTheRowsEarlierConnectionsLandedInFiles) {
  const auto dir = FreshDir("restart_files");
  emulator::EmulatorOptions options;
  options.data_dir = dir;
  std::string id;
  {
    auto first = StartEmulator(options);
    id = CreateAndIngest(*first, 2);
  }
  EXPECT_EQ(IdsInLandingFiles(dir, id), Iota(4));
  {
    auto second = StartEmulator(options);
    RawPersistent stream(*second, AuthFor(*second, kTestTable));
    ASSERT_TRUE(stream.Resume(ResumeMessage(id)).has_value());
    ASSERT_TRUE(stream.Write(BatchAt(2)));
    EXPECT_EQ(stream.ReadAck(), 2);
    EXPECT_TRUE(stream.Close().ok());
  }
  // The rows of offsets 0 and 1 (landed before the restart) are still in the data directory.
  EXPECT_EQ(IdsInLandingFiles(dir, id), Iota(6));
  std::filesystem::remove_all(dir);
}

TEST(EmulatorPersistentTest, AStateFileThatDoesNotParseFailsStartNamingIt) {
  const auto dir = FreshDir("corrupt");
  const auto streams = dir / "_persistent_streams";
  std::filesystem::create_directories(streams);
  const auto broken = streams / "0a1b2c3d.json";
  std::ofstream(broken) << "{not json";
  emulator::EmulatorOptions options;
  options.data_dir = dir;
  auto started = emulator::Emulator::Start(options);
  ASSERT_FALSE(started.ok());
  EXPECT_THAT(started.status().message(), HasSubstr(broken.string()));

  // A JSON object that lacks a field is refused too, naming the file and the field.
  std::ofstream(broken, std::ios::trunc)
      << R"({"table": "main.default.events", "committed": 0, "retired": false})";
  started = emulator::Emulator::Start(options);
  ASSERT_FALSE(started.ok());
  EXPECT_THAT(started.status().message(), HasSubstr(broken.string()));
  EXPECT_THAT(started.status().message(), HasSubstr("record_type"));

  // Without the bad file the emulator starts.
  std::filesystem::remove(broken);
  {
    auto good = emulator::Emulator::Start(options);
    EXPECT_TRUE(good.ok()) << good.status().message();
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace arrow_zerobus::testing
