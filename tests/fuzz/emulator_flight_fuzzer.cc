// Fuzz target: the emulator's reading of an Arrow Flight DoPut stream, with the functions its
// reactor (emulator/flight_put_service.cc) calls in the order it calls them: FlightData and IPC
// message (flight_ipc.h), schema and its fit to a declared table (arrow_schema_check.h), offsets,
// record batches decoded with the stream's schema, full validation, and the declared table's
// value checks (arrow_value_checks.h). The checks of the caller (token, table header) and of the
// offset sequence are state of the connection, not of the bytes, and are left out.
//
// Input: parts (fuzz_support.h) = [serialized FlightData with the schema, serialized FlightData
// of each data message...]. The stream is taken as one for the declared table of
// emulator_fuzz_support.h when its schema fits, else as one for an undeclared table.
// Promises: every message the reactor would refuse is refused with INVALID_ARGUMENT and a message
// naming the problem, never a crash, hang or unbounded allocation; a batch it accepts can be
// landed (written as an Arrow IPC stream, as the landing files are).
#include <memory>
#include <optional>
#include <string>

#include <arrow/record_batch.h>
#include <arrow/type.h>
#include <grpcpp/support/byte_buffer.h>

#include "arrow_schema_check.h"
#include "arrow_value_checks.h"
#include "emulator_fuzz_support.h"
#include "flight_ipc.h"
#include "fuzz_support.h"
#include "schema_refusal.h"

namespace arrow_zerobus::fuzz {
namespace {

grpc::ByteBuffer ToByteBuffer(std::string_view bytes) {
  grpc::Slice slice(bytes.data(), bytes.size());
  return grpc::ByteBuffer(&slice, 1);
}

struct Stream {
  std::shared_ptr<arrow::Schema> schema;
  std::vector<emulator::UcType::Field> columns;  ///< empty for an undeclared table
  std::unique_ptr<Landing> landing;
};

// A FlightData as the reactor reads it; nullopt when it is refused.
std::optional<emulator::FlightMessage> ReadMessage(std::string_view bytes, const char* doing) {
  grpc::ByteBuffer buffer = ToByteBuffer(bytes);
  auto message = emulator::ReadFlightData(&buffer);
  if (!message.ok()) {
    FUZZ_CHECK_REFUSAL(message.status(), doing, kInvalidRequest);
    return std::nullopt;
  }
  FUZZ_CHECK(!emulator::DescribeMessage(*message).empty(), "DescribeMessage");
  return std::move(message).value();
}

// The first FlightData: true when the stream opens.
bool OpenStream(std::string_view bytes, Stream* stream) {
  auto message = ReadMessage(bytes, "ReadFlightData (schema)");
  if (!message) return false;
  if (message->ipc == nullptr || message->ipc->type() != arrow::ipc::MessageType::SCHEMA) {
    return false;
  }
  auto schema = emulator::ReadSchemaMessage(*message->ipc);
  if (!schema.ok()) {
    FUZZ_CHECK_REFUSAL(schema.status(), "ReadSchemaMessage", kInvalidRequest);
    return false;
  }
  stream->schema = *schema;
  if (emulator::FindDictionaryField(*stream->schema)) return false;
  const std::vector<emulator::TableColumn> table = DeclaredTable();
  auto mismatches = emulator::CheckArrowSchemaFitsTable(*stream->schema, table);
  FUZZ_CHECK_OK(mismatches.status(), "CheckArrowSchemaFitsTable");
  if (mismatches->empty()) {
    auto columns = emulator::ParseColumns(table);
    FUZZ_CHECK_OK(columns.status(), "ParseColumns");
    stream->columns = std::move(columns).value();
  } else {
    const grpc::Status refusal = emulator::SchemaValidationFailed(*mismatches);
    FUZZ_CHECK(refusal.error_code() == grpc::StatusCode::INVALID_ARGUMENT &&
                   !refusal.error_message().empty(),
               refusal.error_message());
    // Taken as a stream for an undeclared table, which takes any schema.
  }
  stream->landing = std::make_unique<Landing>(stream->schema);
  return true;
}

// One data FlightData: true when it is accepted and landed.
bool ReadData(std::string_view bytes, Stream* stream) {
  auto message = ReadMessage(bytes, "ReadFlightData (data)");
  if (!message) return false;
  auto offset = emulator::ParseOffsetId(message->app_metadata);
  if (!offset.ok()) {
    FUZZ_CHECK_REFUSAL(offset.status(), "ParseOffsetId", kInvalidRequest);
    return false;
  }
  FUZZ_CHECK(*offset >= 0, std::to_string(*offset));
  if (message->ipc == nullptr || message->ipc->type() != arrow::ipc::MessageType::RECORD_BATCH) {
    return false;
  }
  auto batch = emulator::ReadBatchMessage(*message->ipc, stream->schema);
  if (!batch.ok()) {
    FUZZ_CHECK_REFUSAL(batch.status(), "ReadBatchMessage", kInvalidRequest);
    return false;
  }
  if ((*batch)->num_rows() == 0) return false;
  if (!(*batch)->ValidateFull().ok()) return false;
  const Status values = emulator::CheckBatchValues(**batch, stream->columns);
  if (!values.ok()) {
    FUZZ_CHECK_REFUSAL(values, "CheckBatchValues", kInvalidRequest);
    return false;
  }
  stream->landing->Write(**batch);
  return true;
}

}  // namespace
}  // namespace arrow_zerobus::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace arrow_zerobus::fuzz;
  const std::vector<std::string_view> parts = SplitParts(data, size, 16);
  Stream stream;
  if (!OpenStream(parts[0], &stream)) return 0;
  // A refused message ends the stream, as it ends the RPC.
  for (size_t i = 1; i < parts.size() && ReadData(parts[i], &stream); ++i) {
  }
  stream.landing->Close();
  return 0;
}
