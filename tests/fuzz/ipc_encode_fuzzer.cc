// Fuzz target: an Arrow IPC stream, as a caller hands the wrapper batches, through both wire
// formats' preparation: schema plan + protobuf encoding (schema/schema_plan.h,
// encode/batch_encoder.h) and canonical cast + IPC payloads (encode/canonical_cast.h,
// flight/ipc_payloads.h).
//
// Input: the bytes of an Arrow IPC stream. Bytes the IPC reader refuses are not interesting here
// (that is Arrow's own parser); every batch it accepts must give:
//   - Protobuf: a ConfigurationError from planning, a ConversionError for a malformed batch, or
//     per-row errors and records that protobuf's own parser accepts with the planned descriptor
//     (required fields included), each framed as a `repeated bytes` field;
//   - Arrow: a ConfigurationError for the schema (whenever planning fails too, or for limits only
//     the planner has), a ConversionError exactly when the encoder gives one, the same failed
//     rows with the same errors as the encoder (except rows the encoder alone fails: a record
//     over the size limit, a null list element or map value, which Arrow holds), and IPC
//     messages that Arrow's reader reads back into exactly the cast rows, which pass full
//     validation (as the emulator and the service check them).
#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include <arrow/buffer.h>
#include <arrow/compare.h>
#include <arrow/io/memory.h>
#include <arrow/ipc/dictionary.h>
#include <arrow/ipc/message.h>
#include <arrow/ipc/reader.h>
#include <arrow/memory_pool.h>
#include <arrow/record_batch.h>
#include <google/protobuf/dynamic_message.h>

#include "encode/array_decoding.h"
#include "encode/batch_encoder.h"
#include "encode/canonical_cast.h"
#include "flight/ipc_payloads.h"
#include "fuzz_support.h"
#include "schema/schema_plan.h"

namespace arrow_zerobus::fuzz {
namespace {

// Batches past these are skipped: work and memory are proportional to the rows and to the bytes
// of the values once decoded, by design, and a few bytes of valid Arrow can stand for much
// more: 2^40 rows of a struct of no fields, views or dictionary indices that repeat one long
// value, a compressed body.
constexpr int kMaxBatches = 8;
constexpr int64_t kMaxRows = 1 << 16;
constexpr double kMaxDecodedBytes = 64 << 20;

// An upper bound on the bytes of `data`'s values once views, dictionaries and run ends are
// materialized (what the encoders and the cast read or make), for a structurally valid array.
double DecodedBytes(const arrow::ArrayData& data) {
  const double length = static_cast<double>(data.length);
  const auto children = [&] {
    double bytes = 0;
    for (const auto& child : data.child_data) bytes += DecodedBytes(*child);
    return bytes;
  };
  switch (data.type->id()) {
    case arrow::Type::BINARY_VIEW:
    case arrow::Type::STRING_VIEW: {  // a null's view is undefined and never read
      double bytes = 16 * length;
      const auto* views = data.GetValues<arrow::BinaryViewType::c_type>(1);
      const arrow::ArraySpan span(data);
      for (int64_t i = 0; i < data.length; ++i) bytes += span.IsValid(i) ? views[i].size() : 0;
      return bytes;
    }
    case arrow::Type::LIST_VIEW:
    case arrow::Type::LARGE_LIST_VIEW: {
      const bool large = data.type->id() == arrow::Type::LARGE_LIST_VIEW;
      double elements = 0;
      for (int64_t i = 0; i < data.length; ++i) {
        elements += large ? data.GetValues<int64_t>(2)[i] : data.GetValues<int32_t>(2)[i];
      }
      const arrow::ArrayData& child = *data.child_data[0];
      return 16 * length + elements * DecodedBytes(child) / std::max<int64_t>(1, child.length);
    }
    case arrow::Type::DICTIONARY:  // every index could pick the whole dictionary
      return 8 * length + length * DecodedBytes(*data.dictionary);
    case arrow::Type::RUN_END_ENCODED:  // every row could be the whole of the values
      return length * DecodedBytes(*data.child_data[1]);
    default: {
      double bytes = 8 * length;
      for (const auto& buffer : data.buffers) bytes += buffer == nullptr ? 0 : buffer->size();
      return bytes + children();
    }
  }
}

// Whether the library gets `batch`: one whose decoded values stay within kMaxDecodedBytes, up to
// its first malformed column, where the library stops (it checks and converts column by column).
bool WithinBounds(const arrow::RecordBatch& batch) {
  if (batch.num_rows() > kMaxRows) return false;
  double bytes = 0;
  for (const auto& column : batch.columns()) {
    if (!encode::internal::ValidateStructure(*column, "").ok()) return bytes <= kMaxDecodedBytes;
    auto aligned = encode::internal::AlignBuffers(column, "");  // views are read as structs
    if (!aligned.ok()) return true;
    bytes += DecodedBytes(*(*aligned)->data());
  }
  return bytes <= kMaxDecodedBytes;
}

struct Preparation {
  std::shared_ptr<const schema::SchemaPlan> plan;  ///< null when planning failed
  std::unique_ptr<google::protobuf::DynamicMessageFactory> factory;
  std::unique_ptr<encode::CanonicalSchema> canonical;  ///< null when it could not be made
  std::unique_ptr<flight::IpcPayloadEncoder> ipc;
};

std::string Describe(const encode::RowError& error) {
  return "row " + std::to_string(error.row) + " column '" + error.column + "' " +
         std::string(encode::RowErrorKindName(error.kind)) + ": " + error.message;
}

Preparation Prepare(const std::shared_ptr<arrow::Schema>& schema, size_t input_size) {
  Preparation out;
  auto plan = schema::PlanSchema(*schema);
  if (plan.ok()) {
    out.plan = *plan;
    FUZZ_CHECK(out.plan->message != nullptr, "a plan without a message descriptor");
    out.factory = std::make_unique<google::protobuf::DynamicMessageFactory>(out.plan->pool.get());
  } else {
    FUZZ_CHECK_REFUSAL(plan.status(), "PlanSchema", kInvalidConfiguration);
  }
  auto canonical = encode::MakeCanonicalSchema(schema);
  if (!canonical.ok()) {
    FUZZ_CHECK_REFUSAL(canonical.status(), "MakeCanonicalSchema", kInvalidConfiguration);
    // Both formats accept the same schemas; the planner alone limits names, field counts and
    // nesting depth for protobuf's sake.
    FUZZ_CHECK(!plan.ok(), "the planner accepts the schema but the Arrow path refuses it: " +
                               canonical.status().ToString() + "\nschema: " + schema->ToString());
    return out;
  }
  out.canonical = std::make_unique<encode::CanonicalSchema>(std::move(canonical).value());
  // Small messages, so batches are split; the compression varies with the input.
  flight::IpcPayloadOptions options;
  options.max_body_bytes = 512;
  options.compression = static_cast<flight::IpcCompression>(input_size % 3);
  auto ipc = flight::IpcPayloadEncoder::Make(out.canonical->canonical, options);
  FUZZ_CHECK_OK(ipc.status(),
                "IpcPayloadEncoder::Make for " + out.canonical->canonical->ToString());
  out.ipc = std::make_unique<flight::IpcPayloadEncoder>(std::move(ipc).value());
  return out;
}

// Every record parses with protobuf's parser; frames hold exactly their record.
void CheckRecords(const Preparation& prep, const encode::EncodedBatch& encoded, int64_t rows) {
  FUZZ_CHECK(encoded.num_rows == rows, std::to_string(encoded.num_rows));
  FUZZ_CHECK(static_cast<int64_t>(encoded.offsets.size()) == rows + 1, "offsets");
  FUZZ_CHECK(static_cast<int64_t>(encoded.row_failed.size()) == rows, "row_failed");
  int64_t failed = 0;
  for (int64_t row = 0; row < rows; ++row) failed += encoded.failed(row) ? 1 : 0;
  FUZZ_CHECK(failed == encoded.failed_count(), "each failed row has one error");
  for (size_t i = 0; i < encoded.errors.size(); ++i) {
    const encode::RowError& error = encoded.errors[i];
    FUZZ_CHECK(error.row >= 0 && error.row < rows && encoded.failed(error.row), Describe(error));
    FUZZ_CHECK(i == 0 || encoded.errors[i - 1].row < error.row, "errors sorted by row, one each");
    FUZZ_CHECK(!error.message.empty(), Describe(error));
  }
  std::unique_ptr<google::protobuf::Message> message(
      prep.factory->GetPrototype(prep.plan->message)->New());
  for (int64_t row = 0; row < rows; ++row) {
    const std::string_view entry = encoded.entry_bytes(row, row + 1);
    if (encoded.failed(row)) {
      FUZZ_CHECK(entry.empty(), "failed row " + std::to_string(row) + " has bytes");
      continue;
    }
    const std::string_view record = encoded.record(row);
    // The frame: tag of field 1 (bytes), the record's length, the record.
    FUZZ_CHECK(!entry.empty() && entry[0] == '\x0a' && entry.size() > record.size() &&
                   entry.substr(entry.size() - record.size()) == record,
               "row " + std::to_string(row) + " is not framed as a records field");
    FUZZ_CHECK(message->ParseFromArray(record.data(), static_cast<int>(record.size())),
               "row " + std::to_string(row) + "'s record does not parse (or misses a required " +
                   "field) as " + prep.plan->message->full_name() + ": " +
                   message->InitializationErrorString() + "\nmessage:\n" +
                   prep.plan->DescribeMessage());
  }
}

// The IPC messages read back into exactly `rows`, which pass full validation.
void CheckIpcMessages(const flight::IpcPayloadEncoder& ipc, const arrow::RecordBatch& rows) {
  FUZZ_CHECK_ARROW_OK(rows.ValidateFull(), "validating the cast rows");
  auto schema_message = arrow::ipc::Message::Open(ipc.schema_message().data_header, nullptr);
  FUZZ_CHECK_ARROW_OK(schema_message.status(), "opening the schema message");
  arrow::ipc::DictionaryMemo memo;
  auto schema = arrow::ipc::ReadSchema(**schema_message, &memo);
  FUZZ_CHECK_ARROW_OK(schema.status(), "reading the schema message");
  FUZZ_CHECK((*schema)->Equals(*ipc.schema()), (*schema)->ToString());

  auto messages = ipc.EncodeBatch(rows);
  FUZZ_CHECK_OK(messages.status(), "IpcPayloadEncoder::EncodeBatch");
  int64_t next_row = 0;
  for (const flight::IpcMessage& message : *messages) {
    FUZZ_CHECK(message.first_row == next_row && message.num_rows > 0, "message rows");
    auto body = message.Body();
    FUZZ_CHECK_OK(body.status(), "the message body");
    FUZZ_CHECK((*body)->size() == message.body_length, "body length");
    auto opened = arrow::ipc::Message::Open(message.data_header, *body);
    FUZZ_CHECK_ARROW_OK(opened.status(), "opening a record batch message");
    auto batch = arrow::ipc::ReadRecordBatch(**opened, ipc.schema(), nullptr,
                                             arrow::ipc::IpcReadOptions::Defaults());
    FUZZ_CHECK_ARROW_OK(batch.status(), "reading a record batch message back");
    FUZZ_CHECK_ARROW_OK((*batch)->ValidateFull(), "validating a batch read back");
    const auto expected = rows.Slice(message.first_row, message.num_rows);
    FUZZ_CHECK((*batch)->Equals(*expected, arrow::EqualOptions::Defaults().nans_equal(true)),
               "rows " + std::to_string(message.first_row) + "+" +
                   std::to_string(message.num_rows) + " read back differently:\n" +
                   (*batch)->ToString() + "\nexpected:\n" + expected->ToString());
    next_row += message.num_rows;
  }
  FUZZ_CHECK(next_row == rows.num_rows(), "the messages hold " + std::to_string(next_row) + " of " +
                                              std::to_string(rows.num_rows()) + " rows");
}

// The same rows fail with the same errors on both paths, except where the protobuf encoder
// alone fails a row: a record over the size limit, or a null list element or map value, which
// Arrow holds (the cast may then report a later problem of the row, or none).
void CompareRowErrors(const encode::EncodedBatch& encoded, const encode::CanonicalBatch& cast) {
  std::map<int64_t, const encode::RowError*> by_row;
  for (const encode::RowError& error : cast.errors) by_row[error.row] = &error;
  for (const encode::RowError& error : encoded.errors) {
    const auto found = by_row.find(error.row);
    const encode::RowError* other = found == by_row.end() ? nullptr : found->second;
    if (found != by_row.end()) by_row.erase(found);
    if (error.kind == encode::RowErrorKind::kRecordTooLarge ||
        error.kind == encode::RowErrorKind::kNullElement) {
      continue;
    }
    FUZZ_CHECK(other != nullptr, "the cast misses " + Describe(error));
    FUZZ_CHECK(other->column == error.column && other->kind == error.kind &&
                   other->message == error.message,
               "the encoder reports " + Describe(error) + "\nbut the cast " + Describe(*other));
  }
  FUZZ_CHECK(by_row.empty(), "the cast alone reports " + Describe(*by_row.begin()->second));
}

void CheckBatch(const Preparation& prep, const arrow::RecordBatch& batch) {
  std::optional<encode::EncodedBatch> encoded;
  if (prep.plan != nullptr) {
    encode::EncodeOptions options;
    options.frame_records = true;  // as the wrapper sends them
    auto result = encode::EncodeBatch(*prep.plan, batch, options);
    if (result.ok()) {
      CheckRecords(prep, *result, batch.num_rows());
      encoded = std::move(result).value();
    } else {
      FUZZ_CHECK_REFUSAL(result.status(), "EncodeBatch", kInvalidData);
    }
  }
  if (prep.canonical == nullptr) return;
  auto cast = encode::CastToCanonical(*prep.canonical, batch);
  if (!cast.ok()) {
    FUZZ_CHECK_REFUSAL(cast.status(), "CastToCanonical", kInvalidData);
    FUZZ_CHECK(
        prep.plan == nullptr || !encoded.has_value(),
        "the encoder accepts the batch but the cast refuses it: " + cast.status().ToString());
    return;
  }
  FUZZ_CHECK(prep.plan == nullptr || encoded.has_value(),
             "the cast accepts a batch that the encoder refuses");
  FUZZ_CHECK(cast->num_rows == batch.num_rows(), "cast rows");
  FUZZ_CHECK(cast->batch->num_rows() == cast->successful_count(), "cast kept rows");
  if (encoded.has_value()) CompareRowErrors(*encoded, *cast);
  if (cast->batch->num_rows() > 0) CheckIpcMessages(*prep.ipc, *cast->batch);
}

}  // namespace
}  // namespace arrow_zerobus::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace arrow_zerobus::fuzz;
  auto input = std::make_shared<arrow::io::BufferReader>(
      std::make_shared<arrow::Buffer>(data, static_cast<int64_t>(size)));
  // Arrow's reader allocates what a compressed buffer declares before decompressing: a bound,
  // so that its bombs (not this project's code) do not end the run.
  static auto* const reader_pool =
      new arrow::CappedMemoryPool(arrow::default_memory_pool(), 256 << 20);
  arrow::ipc::IpcReadOptions options = arrow::ipc::IpcReadOptions::Defaults();
  options.memory_pool = reader_pool;
  auto reader = arrow::ipc::RecordBatchStreamReader::Open(input, options);
  if (!reader.ok()) return 0;
  const Preparation prep = Prepare((*reader)->schema(), size);
  for (int i = 0; i < kMaxBatches; ++i) {
    std::shared_ptr<arrow::RecordBatch> batch;
    if (!(*reader)->ReadNext(&batch).ok() || batch == nullptr) break;
    if (!WithinBounds(*batch)) continue;
    CheckBatch(prep, *batch);
  }
  return 0;
}
