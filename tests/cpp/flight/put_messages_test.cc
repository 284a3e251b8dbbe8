// The DoPut wire pieces of the Arrow client: FlightData built by hand is byte for byte what
// protobuf would write and references large body buffers instead of copying them; PutResult
// app_metadata is read as the service writes it; a DoPut's end status (schema refusals with their
// ErrorInfo details included) becomes a Status of the right kind and retryability.
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <arrow/record_batch.h>
#include <arrow/type.h>
#include <gmock/gmock.h>
#include <grpcpp/support/byte_buffer.h>
#include <gtest/gtest.h>

#include "flight/ipc_payloads.h"
#include "flight/put_messages.h"
#include "flight/put_status.h"
#include "flight_messages.pb.h"
#include "rpc_status.pb.h"
#include "testing/arrow_builders.h"

namespace arrow_zerobus::flight {
namespace {

using arrow_zerobus::testing::ArrayFromJson;
using arrow_zerobus::testing::MakeBatch;
using ::testing::HasSubstr;
namespace flight_pb = ::arrow::flight::protocol;

std::string Bytes(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  EXPECT_TRUE(buffer.Dump(&slices).ok());
  std::string bytes;
  for (const auto& slice : slices) {
    bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  return bytes;
}

std::shared_ptr<arrow::RecordBatch> Batch(int64_t rows) {
  std::string ids = "[";
  std::string names = "[";
  for (int64_t i = 0; i < rows; ++i) {
    ids += (i ? "," : "") + std::to_string(i);
    names += std::string(i ? "," : "") + (i % 3 == 0 ? "null" : "\"row" + std::to_string(i) + "\"");
  }
  return MakeBatch(
      {arrow::field("id", arrow::int64(), false), arrow::field("name", arrow::utf8())},
      {ArrayFromJson(arrow::int64(), ids + "]"), ArrayFromJson(arrow::utf8(), names + "]")});
}

IpcMessage OneMessage(const std::shared_ptr<arrow::RecordBatch>& batch) {
  auto encoder = IpcPayloadEncoder::Make(batch->schema());
  EXPECT_TRUE(encoder.ok()) << encoder.status();
  auto messages = encoder->EncodeBatch(*batch);
  EXPECT_TRUE(messages.ok()) << messages.status();
  EXPECT_EQ(messages->size(), 1u);
  return messages->front();
}

/// What protobuf's generated class writes for the same fields.
std::string ProtobufBytes(const IpcMessage& message, const std::string& app_metadata) {
  flight_pb::FlightData data;
  data.set_data_header(message.data_header->ToString());
  data.set_app_metadata(app_metadata);
  std::string body;
  message.AppendBody(&body);
  data.set_data_body(body);
  return data.SerializeAsString();
}

TEST(FlightDataBufferTest, IsWhatProtobufWritesForSmallAndLargeBodies) {
  for (int64_t rows : {1, 10, 3000}) {
    const IpcMessage message = OneMessage(Batch(rows));
    const std::string metadata = OffsetIdMetadata(rows);
    EXPECT_EQ(Bytes(FlightDataBuffer(message, metadata)), ProtobufBytes(message, metadata))
        << rows << " rows";
  }
}

TEST(FlightDataBufferTest, ReferencesLargeBodyBuffersInsteadOfCopyingThem) {
  const IpcMessage message = OneMessage(Batch(3000));  // 24 KB of ids
  std::vector<grpc::Slice> slices;
  ASSERT_TRUE(FlightDataBuffer(message, OffsetIdMetadata(0)).Dump(&slices).ok());
  int referenced = 0;
  for (const auto& buffer : message.body_buffers) {
    if (buffer == nullptr || buffer->size() < 4096) continue;
    for (const auto& slice : slices) {
      if (slice.begin() == buffer->data() && static_cast<int64_t>(slice.size()) == buffer->size()) {
        ++referenced;
      }
    }
  }
  EXPECT_GE(referenced, 2) << "the id values and the string offsets at least";
}

TEST(FlightDataBufferTest, TheSchemaMessageHasNoDescriptorMetadataOrBody) {
  auto encoder = IpcPayloadEncoder::Make(Batch(1)->schema());
  ASSERT_TRUE(encoder.ok());
  flight_pb::FlightData data;
  ASSERT_TRUE(data.ParseFromString(Bytes(FlightDataBuffer(encoder->schema_message(), ""))));
  EXPECT_FALSE(data.has_flight_descriptor());
  EXPECT_TRUE(data.app_metadata().empty());
  EXPECT_TRUE(data.data_body().empty());
  EXPECT_EQ(data.data_header(), encoder->schema_message().data_header->ToString());
}

TEST(PutResultMetadataTest, ReadsReadyAcksAndRotationSignals) {
  auto ready = ParsePutResultMetadata(R"({"ack_up_to_offset":-1,"ack_up_to_records":0})");
  ASSERT_TRUE(ready.ok()) << ready.status();
  EXPECT_TRUE(IsReadyPutResult(*ready));

  auto ack = ParsePutResultMetadata(R"({"ack_up_to_offset": 4, "ack_up_to_records": 1234})");
  ASSERT_TRUE(ack.ok());
  EXPECT_EQ(ack->ack_up_to_offset, 4);
  EXPECT_EQ(ack->ack_up_to_records, 1234);
  EXPECT_FALSE(ack->close_stream_duration.has_value());
  EXPECT_FALSE(IsReadyPutResult(*ack));

  auto rotation = ParsePutResultMetadata(
      R"({"ack_up_to_offset":-1,"ack_up_to_records":0,"close_stream_duration_ms":30000})");
  ASSERT_TRUE(rotation.ok());
  EXPECT_EQ(rotation->close_stream_duration, std::chrono::milliseconds(30000));
  EXPECT_FALSE(IsReadyPutResult(*rotation)) << "a signal is not READY";

  auto bare_signal = ParsePutResultMetadata(R"({"close_stream_duration_ms":5})");
  ASSERT_TRUE(bare_signal.ok());
  EXPECT_FALSE(bare_signal->ack_up_to_records.has_value());
  EXPECT_EQ(bare_signal->close_stream_duration, std::chrono::milliseconds(5));
  EXPECT_TRUE(ParsePutResultMetadata("{}").ok()) << "unknown and missing fields are fine";
}

TEST(PutResultMetadataTest, RefusesWhatIsNotAnAck) {
  for (const char* bad :
       {"", "not json", "[1,2]", R"({"ack_up_to_records":-3})", R"({"ack_up_to_records":"12"})",
        R"({"ack_up_to_offset":-2})", R"({"close_stream_duration_ms":1.5})"}) {
    auto parsed = ParsePutResultMetadata(bad);
    EXPECT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

/// A status carrying google.rpc.ErrorInfo{reason, metadata} in its details, as the service
/// (and the emulator) send it.
grpc::Status WithErrorInfo(
    grpc::StatusCode code, const std::string& message, const std::string& reason,
    const std::map<std::string, std::string>& metadata,
    const std::string& type_url = "type.googleapis.com/google.rpc.ErrorInfo") {
  rpc::ErrorInfo info;
  info.set_reason(reason);
  info.set_domain("zerobus.databricks.com");
  for (const auto& [key, value] : metadata) (*info.mutable_metadata())[key] = value;
  rpc::RpcStatus details;
  details.set_code(code);
  details.set_message(message);
  auto* any = details.add_details();
  any->set_type_url(type_url);
  any->set_value(info.SerializeAsString());
  return grpc::Status(code, message, details.SerializeAsString());
}

TEST(PutStatusTest, ASchemaRefusalNamesEveryCauseAndTheErrorCodeAndIsNotRetryable) {
  const grpc::Status refused = WithErrorInfo(
      grpc::StatusCode::INVALID_ARGUMENT, "schema does not fit", "SCHEMA_VALIDATION_FAILED",
      {{"causes", "FIELD_NOT_IN_TABLE, TYPE_INCOMPATIBLE"}, {"error_code", "8001"}});
  auto refusal = ParseSchemaRefusal(refused.error_details());
  ASSERT_TRUE(refusal.has_value());
  EXPECT_EQ(refusal->causes, (std::vector<std::string>{"FIELD_NOT_IN_TABLE", "TYPE_INCOMPATIBLE"}));
  EXPECT_EQ(refusal->error_code, "8001");

  const std::optional<Status> explained = ExplainSchemaRefusal(refused, "main.default.events");
  ASSERT_TRUE(explained.has_value());
  const Status& status = *explained;
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.kind(), ErrorKind::kConfiguration);
  EXPECT_FALSE(status.retryable());
  for (const char* part : {"main.default.events", "SCHEMA_VALIDATION_FAILED", "FIELD_NOT_IN_TABLE",
                           "TYPE_INCOMPATIBLE", "error_code: 8001", "schema does not fit"}) {
    EXPECT_THAT(status.message(), HasSubstr(part));
  }
}

TEST(PutStatusTest, OtherDetailsAreNoSchemaRefusal) {
  EXPECT_FALSE(ParseSchemaRefusal("").has_value());
  EXPECT_FALSE(ParseSchemaRefusal("not a status").has_value());
  EXPECT_FALSE(
      ParseSchemaRefusal(WithErrorInfo(grpc::StatusCode::INVALID_ARGUMENT, "x", "RATE_LIMITED", {})
                             .error_details())
          .has_value());
  EXPECT_FALSE(ParseSchemaRefusal(WithErrorInfo(grpc::StatusCode::INVALID_ARGUMENT, "x",
                                                "SCHEMA_VALIDATION_FAILED", {},
                                                "type.googleapis.com/google.rpc.DebugInfo")
                                      .error_details())
                   .has_value());
  EXPECT_FALSE(ExplainSchemaRefusal(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "bad row"),
                                    "main.default.events")
                   .has_value());
}

}  // namespace
}  // namespace arrow_zerobus::flight
