// Fuzz target: the emulator's reading of an EphemeralStream, with the functions its reactor
// (emulator/ingest_service.cc) calls in the order it calls them: the request (both readings of
// ephemeral_request.h, which must agree), the descriptor sent at create (record_decoder.h) and
// its fit to a declared table (table_schema.h), then each record decoded and turned into a row
// of the table's types with its value checks (record_rows.h). The checks of the caller (token,
// table header) and of the offset sequence are state of the connection, not of the bytes, and
// are left out.
//
// Input: parts (fuzz_support.h) = [serialized create_stream request, serialized ingest
// requests...]. The stream is taken as one for the declared table of emulator_fuzz_support.h when
// its descriptor fits, else as one for an undeclared table. Promises: every request the reactor
// would refuse is refused with INVALID_ARGUMENT and a message naming the problem, never a crash,
// hang or unbounded allocation; the generated classes and the hand-written codec (--light) read
// every request alike; rows that are accepted pass full validation and can be landed (written as an
// Arrow IPC stream, as the landing files are).
#include <memory>
#include <string>

#include <arrow/record_batch.h>
#include <google/protobuf/util/message_differencer.h>
#include <nlohmann/json.hpp>

#include "emulator_fuzz_support.h"
#include "emulator_options.h"
#include "ephemeral_request.h"
#include "fuzz_support.h"
#include "record_decoder.h"
#include "record_rows.h"

namespace arrow_zerobus::fuzz {
namespace {

namespace zb = ::databricks::zerobus;
using emulator::EphemeralRequest;

std::string Describe(const Status& status, const EphemeralRequest& request) {
  if (!status.ok()) return "error";
  std::string out = "kind " + std::to_string(static_cast<int>(request.kind)) + " offset " +
                    (request.has_offset ? std::to_string(request.offset_id) : "none") +
                    " payload " + std::to_string(static_cast<int>(request.payload)) + " records " +
                    std::to_string(request.records.size());
  return out;
}

class Stream {
 public:
  // Reads `bytes` as the emulator does (generated classes), after checking that the
  // hand-written codec reads them alike. False when the request is refused.
  bool Read(std::string_view bytes) {
    const Status generated = generated_.Read(bytes, &request_);
    const Status fast = fast_.Read(bytes, &fast_request_);
    FUZZ_CHECK(generated.ok() == fast.ok() && SameRequest(),
               "the generated classes read " + Describe(generated, request_) + " (" +
                   generated.ToString() + ") but the hand-written codec " +
                   Describe(fast, fast_request_) + " (" + fast.ToString() + ")");
    if (!generated.ok()) {
      FUZZ_CHECK_REFUSAL(generated, "EphemeralRequestReader::Read", kInvalidRequest);
      FUZZ_CHECK_REFUSAL(fast, "EphemeralRequestReader::Read (fast)", kInvalidRequest);
      return false;
    }
    return request_.kind != EphemeralRequest::Kind::kNone;
  }

  // The create_stream request: true when the stream opens.
  bool Open() {
    if (request_.kind != EphemeralRequest::Kind::kCreateStream) return false;
    const zb::CreateIngestStreamRequest& create = request_.create;
    const zb::RecordType type = create.has_record_type() ? create.record_type() : zb::PROTO;
    if (type != zb::PROTO && type != zb::JSON) return false;
    json_ = type == zb::JSON;
    if (json_) return true;
    auto decoder = emulator::RecordDecoder::FromDescriptorProto(create.descriptor_proto());
    if (!decoder.ok()) {
      FUZZ_CHECK_REFUSAL(decoder.status(), "RecordDecoder::FromDescriptorProto",
                         kInvalidConfiguration);
      return false;
    }
    decoder_ = std::move(decoder).value();
    const std::vector<emulator::TableColumn> table = DeclaredTable();
    const Status fits = emulator::CheckDescriptorFitsTable(decoder_->descriptor(), table);
    if (!fits.ok()) FUZZ_CHECK_REFUSAL(fits, "CheckDescriptorFitsTable", kInvalidConfiguration);
    // A descriptor that does not fit is taken as one for an undeclared table.
    auto rows = emulator::RecordRows::Make(decoder_->descriptor(), fits.ok() ? &table : nullptr);
    if (!rows.ok()) {
      FUZZ_CHECK(!fits.ok(),
                 "a descriptor that fits the table has no rows: " + rows.status().ToString());
      FUZZ_CHECK_REFUSAL(rows.status(), "RecordRows::Make", kInvalidConfiguration);
      return false;
    }
    rows_ = std::move(rows).value();
    landing_ = std::make_unique<Landing>(rows_->schema());
    return true;
  }

  // An ingest request: true when it is accepted (and landed).
  bool Ingest(size_t request_bytes) {
    const emulator::EmulatorOptions options;
    if (request_.kind == EphemeralRequest::Kind::kCreateStream || !request_.has_offset ||
        request_.payload == EphemeralRequest::Payload::kNone ||
        (request_.payload == EphemeralRequest::Payload::kJson) != json_ ||
        static_cast<int64_t>(request_bytes) > options.max_request_bytes) {
      return false;
    }
    for (std::string_view record : request_.records) {
      if (static_cast<int64_t>(record.size()) > options.max_record_bytes) return false;
      if (json_) {
        if (!nlohmann::json::parse(record, nullptr, /*allow_exceptions=*/false).is_object()) {
          return false;
        }
        continue;
      }
      auto decoded = decoder_->Decode(record);
      if (!decoded.ok()) {
        FUZZ_CHECK_REFUSAL(decoded.status(), "RecordDecoder::Decode", kInvalidRequest);
        return false;
      }
      const Status row = rows_->Append(**decoded);
      if (!row.ok()) {
        FUZZ_CHECK_REFUSAL(row, "RecordRows::Append", kInvalidRequest);
        return false;
      }
    }
    if (rows_ == nullptr) return true;
    auto rows = rows_->TakeRows();
    FUZZ_CHECK_OK(rows.status(), "RecordRows::TakeRows");
    FUZZ_CHECK((*rows)->num_rows() == static_cast<int64_t>(request_.records.size()),
               std::to_string((*rows)->num_rows()) + " rows landed for the " +
                   std::to_string(request_.records.size()) + " records of a request:\n" +
                   (*rows)->ToString());
    FUZZ_CHECK_ARROW_OK((*rows)->ValidateFull(), "validating the landed rows");
    landing_->Write(**rows);
    return true;
  }

  void Close() {
    if (landing_ != nullptr) landing_->Close();
  }

 private:
  bool SameRequest() const {
    const EphemeralRequest& a = request_;
    const EphemeralRequest& b = fast_request_;
    return a.kind == b.kind && a.has_offset == b.has_offset && a.offset_id == b.offset_id &&
           a.payload == b.payload && a.records == b.records &&
           google::protobuf::util::MessageDifferencer::Equals(a.create, b.create);
  }

  emulator::EphemeralRequestReader generated_{/*fast=*/false};
  emulator::EphemeralRequestReader fast_{/*fast=*/true};
  EphemeralRequest request_;
  EphemeralRequest fast_request_;
  bool json_ = false;
  std::unique_ptr<emulator::RecordDecoder> decoder_;
  std::unique_ptr<emulator::RecordRows> rows_;
  std::unique_ptr<Landing> landing_;
};

}  // namespace
}  // namespace arrow_zerobus::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace arrow_zerobus::fuzz;
  const std::vector<std::string_view> parts = SplitParts(data, size, 16);
  Stream stream;
  if (!stream.Read(parts[0]) || !stream.Open()) return 0;
  // A refused request ends the stream, as it ends the RPC.
  for (size_t i = 1; i < parts.size(); ++i) {
    if (!stream.Read(parts[i]) || !stream.Ingest(parts[i].size())) break;
  }
  stream.Close();
  return 0;
}
