// A raw Arrow Flight DoPut client for emulator tests (the generated stub, no arrow-zerobus client
// code): FlightData built from Arrow C++ IPC payloads, PutResult app_metadata read as JSON, and
// the google.rpc.ErrorInfo of a refusal.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <arrow/record_batch.h>
#include <arrow/type.h>
#include <arrow/util/type_fwd.h>
#include <grpcpp/grpcpp.h>
#include <nlohmann/json.hpp>

#include "emulator.h"
#include "flight_messages.grpc.pb.h"

namespace arrow_zerobus::testing {

namespace flight_pb = ::arrow::flight::protocol;

/// The FlightData of `schema`'s IPC schema message (empty app_metadata).
flight_pb::FlightData SchemaData(const arrow::Schema& schema);
/// The FlightData of `batch` tagged {"offset_id": offset}; bodies compressed with `codec` unless
/// UNCOMPRESSED.
flight_pb::FlightData BatchData(const arrow::RecordBatch& batch, int64_t offset,
                                arrow::Compression::type codec = arrow::Compression::UNCOMPRESSED);
/// The FlightData of the dictionary message for a dictionary-encoded column.
flight_pb::FlightData DictionaryData(const std::shared_ptr<arrow::Array>& dictionary,
                                     int64_t offset);

/// id int64 NOT NULL, name large_utf8: the schema of kTestTable in ArrowEventsEmulator.
std::shared_ptr<arrow::Schema> ArrowEventSchema();
/// Rows of ArrowEventSchema with ids [first, first + count) and names "n<id>".
std::shared_ptr<arrow::RecordBatch> ArrowEventBatch(int64_t first, int64_t count);
/// A started emulator (StartEmulator) with kTestTable declared as (id BIGINT NOT NULL, name
/// STRING).
std::unique_ptr<emulator::Emulator> ArrowEventsEmulator(emulator::EmulatorOptions options = {});

/// Expects `status` to have `code` and a message containing each of `parts`.
void ExpectGrpcStatus(const grpc::Status& status, grpc::StatusCode code,
                      const std::vector<std::string>& parts);

/// {"ack_up_to_offset": offset, "ack_up_to_records": records}
nlohmann::json AckJson(int64_t offset, int64_t records);

/// The google.rpc.ErrorInfo in a status' details, as parsed from grpc-status-details-bin.
struct ErrorInfoSeen {
  std::string type_url;
  std::string reason;
  std::string domain;
  std::map<std::string, std::string> metadata;
};
std::optional<ErrorInfoSeen> ErrorInfoOf(const grpc::Status& status);

/// The call metadata of one DoPut; an absent value is not sent.
struct PutHeaders {
  std::optional<std::string> table;
  std::optional<std::string> authorization;
};
/// The table header and a valid bearer token for `table`.
PutHeaders PutAuthFor(emulator::Emulator& emu, const std::string& table);

/// One DoPut RPC through the generated stub, with a deadline so that a stuck server fails the
/// test instead of hanging it.
class RawPut {
 public:
  RawPut(const emulator::Emulator& emu, const PutHeaders& headers,
         std::chrono::milliseconds deadline = std::chrono::milliseconds(5000));
  ~RawPut();

  bool Write(const flight_pb::FlightData& data) { return rpc_->Write(data); }
  /// The app_metadata of the next PutResult as JSON (null when not JSON); nullopt at the end.
  std::optional<nlohmann::json> Read();
  /// The app_metadata bytes of the PutResult Read returned last.
  const std::string& last_app_metadata() const { return last_app_metadata_; }
  /// Sends the schema message and reads the reply; true when it is the READY PutResult.
  bool Open(const arrow::Schema& schema);
  /// Reads until the RPC ends (what came is kept in `rest`), then returns its status.
  grpc::Status Finish(std::vector<nlohmann::json>* rest = nullptr);
  /// Half-closes, then Finish.
  grpc::Status Close(std::vector<nlohmann::json>* rest = nullptr);

 private:
  std::unique_ptr<flight_pb::FlightService::Stub> stub_;
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReaderWriter<flight_pb::FlightData, flight_pb::PutResult>> rpc_;
  std::string last_app_metadata_;
  bool finished_ = false;
};

}  // namespace arrow_zerobus::testing
