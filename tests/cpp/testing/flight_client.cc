#include "testing/flight_client.h"

#include <arrow/buffer.h>
#include <arrow/ipc/dictionary.h>
#include <arrow/ipc/writer.h>
#include <arrow/util/compression.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "rpc_status.pb.h"
#include "testing/arrow_builders.h"
#include "testing/emulator_fixture.h"

namespace arrow_zerobus::testing {
namespace {

constexpr char kTableHeader[] = "x-databricks-zerobus-table-name";

void CheckOk(const arrow::Status& status) {
  if (!status.ok()) ADD_FAILURE() << "Arrow IPC: " << status.ToString();
}

/// The IPC body as the format lays it out: every buffer padded to a multiple of 8 bytes.
std::string PaddedBody(const arrow::ipc::IpcPayload& payload) {
  std::string body;
  for (const auto& buffer : payload.body_buffers) {
    if (buffer != nullptr)
      body.append(reinterpret_cast<const char*>(buffer->data()), buffer->size());
    body.resize((body.size() + 7) / 8 * 8, '\0');
  }
  EXPECT_EQ(static_cast<int64_t>(body.size()), payload.body_length);
  return body;
}

flight_pb::FlightData FromPayload(const arrow::ipc::IpcPayload& payload, std::string app_metadata) {
  flight_pb::FlightData data;
  data.set_data_header(payload.metadata->ToString());
  data.set_data_body(PaddedBody(payload));
  data.set_app_metadata(std::move(app_metadata));
  return data;
}

std::string OffsetMetadata(int64_t offset) { return nlohmann::json{{"offset_id", offset}}.dump(); }

}  // namespace

flight_pb::FlightData SchemaData(const arrow::Schema& schema) {
  arrow::ipc::DictionaryFieldMapper mapper(schema);
  arrow::ipc::IpcPayload payload;
  CheckOk(arrow::ipc::GetSchemaPayload(schema, arrow::ipc::IpcWriteOptions::Defaults(), mapper,
                                       &payload));
  return FromPayload(payload, "");
}

flight_pb::FlightData BatchData(const arrow::RecordBatch& batch, int64_t offset,
                                arrow::Compression::type codec) {
  auto options = arrow::ipc::IpcWriteOptions::Defaults();
  // Compressed on this thread, as the library does (Arrow's CPU pool is built without
  // ThreadSanitizer, whose waits it cannot follow).
  options.use_threads = false;
  if (codec != arrow::Compression::UNCOMPRESSED) {
    auto created = arrow::util::Codec::Create(codec);
    CheckOk(created.status());
    if (created.ok()) options.codec = std::move(created).ValueUnsafe();
  }
  arrow::ipc::IpcPayload payload;
  CheckOk(arrow::ipc::GetRecordBatchPayload(batch, options, &payload));
  return FromPayload(payload, OffsetMetadata(offset));
}

flight_pb::FlightData DictionaryData(const std::shared_ptr<arrow::Array>& dictionary,
                                     int64_t offset) {
  arrow::ipc::IpcPayload payload;
  CheckOk(arrow::ipc::GetDictionaryPayload(0, dictionary, arrow::ipc::IpcWriteOptions::Defaults(),
                                           &payload));
  return FromPayload(payload, OffsetMetadata(offset));
}

std::shared_ptr<arrow::Schema> ArrowEventSchema() {
  return arrow::schema(
      {arrow::field("id", arrow::int64(), false), arrow::field("name", arrow::large_utf8())});
}

std::shared_ptr<arrow::RecordBatch> ArrowEventBatch(int64_t first, int64_t count) {
  std::string ids = "[";
  std::string names = "[";
  for (int64_t id = first; id < first + count; ++id) {
    const std::string sep = id == first ? "" : ",";
    ids += sep + std::to_string(id);
    names += sep + "\"n" + std::to_string(id) + "\"";
  }
  return MakeBatch(ArrowEventSchema()->fields(), {ArrayFromJson(arrow::int64(), ids + "]"),
                                                  ArrayFromJson(arrow::large_utf8(), names + "]")});
}

std::unique_ptr<emulator::Emulator> ArrowEventsEmulator(emulator::EmulatorOptions options) {
  auto emu = StartEmulator(std::move(options));
  emu->DeclareTable(kTestTable, {{"id", "BIGINT", false}, {"name", "STRING", true}});
  return emu;
}

void ExpectGrpcStatus(const grpc::Status& status, grpc::StatusCode code,
                      const std::vector<std::string>& parts) {
  EXPECT_EQ(status.error_code(), code) << status.error_message();
  for (const std::string& part : parts) {
    EXPECT_THAT(status.error_message(), ::testing::HasSubstr(part));
  }
}

nlohmann::json AckJson(int64_t offset, int64_t records) {
  return {{"ack_up_to_offset", offset}, {"ack_up_to_records", records}};
}

std::optional<ErrorInfoSeen> ErrorInfoOf(const grpc::Status& status) {
  rpc::RpcStatus details;
  if (status.error_details().empty() || !details.ParseFromString(status.error_details()) ||
      details.details_size() != 1) {
    return std::nullopt;
  }
  rpc::ErrorInfo info;
  if (!info.ParseFromString(details.details(0).value())) return std::nullopt;
  EXPECT_EQ(details.code(), status.error_code());
  EXPECT_EQ(details.message(), status.error_message());
  return ErrorInfoSeen{details.details(0).type_url(),
                       info.reason(),
                       info.domain(),
                       {info.metadata().begin(), info.metadata().end()}};
}

PutHeaders PutAuthFor(emulator::Emulator& emu, const std::string& table) {
  return {table, "Bearer " + emu.IssueToken(table)};
}

RawPut::RawPut(const emulator::Emulator& emu, const PutHeaders& headers,
               std::chrono::milliseconds deadline)
    : stub_(flight_pb::FlightService::NewStub(grpc::CreateChannel(
          "127.0.0.1:" + std::to_string(emu.grpc_port()), grpc::InsecureChannelCredentials()))) {
  context_.set_deadline(std::chrono::system_clock::now() + deadline);
  if (headers.table) context_.AddMetadata(kTableHeader, *headers.table);
  if (headers.authorization) context_.AddMetadata("authorization", *headers.authorization);
  rpc_ = stub_->DoPut(&context_);
}

RawPut::~RawPut() {
  if (finished_) return;
  context_.TryCancel();
  flight_pb::PutResult ignored;
  while (rpc_->Read(&ignored)) {
  }
  (void)rpc_->Finish();
}

std::optional<nlohmann::json> RawPut::Read() {
  flight_pb::PutResult result;
  if (!rpc_->Read(&result)) return std::nullopt;
  last_app_metadata_ = result.app_metadata();
  return nlohmann::json::parse(last_app_metadata_, nullptr, /*allow_exceptions=*/false);
}

bool RawPut::Open(const arrow::Schema& schema) {
  if (!Write(SchemaData(schema))) return false;
  const auto ready = Read();
  EXPECT_TRUE(ready.has_value()) << "no READY PutResult";
  if (ready) {
    EXPECT_EQ(*ready, AckJson(-1, 0));
  }
  return ready && *ready == AckJson(-1, 0);
}

grpc::Status RawPut::Finish(std::vector<nlohmann::json>* rest) {
  while (auto result = Read()) {
    if (rest != nullptr) rest->push_back(*result);
  }
  finished_ = true;
  return rpc_->Finish();
}

grpc::Status RawPut::Close(std::vector<nlohmann::json>* rest) {
  rpc_->WritesDone();
  return Finish(rest);
}

}  // namespace arrow_zerobus::testing
