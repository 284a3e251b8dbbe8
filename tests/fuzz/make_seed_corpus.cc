// Writes the seed corpus of every fuzz target (tests/fuzz/corpus/<target>/<seed>): small valid
// inputs made by this project's own client code (plans, encoder, debug writer, IPC payloads), as
// the emulator and the readers receive them, and a few near-valid ones.
//
//   build/tests/fuzz/make-fuzz-seed-corpus tests/fuzz/corpus
//
// The checked-in corpus was made with it; rerun it when an input format changes. Seeds stay
// small (a few KB) so that libFuzzer mutates them quickly.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include <arrow/array.h>
#include <arrow/io/memory.h>
#include <arrow/ipc/writer.h>
#include <arrow/json/from_string.h>
#include <arrow/record_batch.h>
#include <arrow/type.h>
#include <grpcpp/support/byte_buffer.h>

#include "arrow_schema_check.h"
#include "debug/debug_reader.h"
#include "debug/debug_writer.h"
#include "emulator_fuzz_support.h"
#include "encode/batch_encoder.h"
#include "encode/canonical_cast.h"
#include "flight/ipc_payloads.h"
#include "flight/put_messages.h"
#include "fuzz_support.h"
#include "record_decoder.h"
#include "schema/schema_plan.h"
#include "table_schema.h"
#include "zerobus_service.pb.h"

namespace arrow_zerobus::fuzz {
namespace {

namespace fs = std::filesystem;
namespace zb = ::databricks::zerobus;

template <typename T>
T OrDie(arrow::Result<T> result, const std::string& doing) {
  if (!result.ok()) Fail(__FILE__, __LINE__, doing + ": " + result.status().ToString());
  return std::move(result).ValueUnsafe();
}

template <typename T>
T OrDie(Result<T> result, const std::string& doing) {
  if (!result.ok()) Fail(__FILE__, __LINE__, doing + ": " + result.status().ToString());
  return std::move(result).value();
}

void WriteSeed(const fs::path& dir, const std::string& name, const std::string& bytes) {
  fs::create_directories(dir);
  std::ofstream out(dir / name, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) Fail(__FILE__, __LINE__, "cannot write " + (dir / name).string());
  std::printf("%s (%zu bytes)\n", (dir / name).c_str(), bytes.size());
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

struct Column {
  std::shared_ptr<arrow::Field> field;
  std::string json;  ///< the values, as arrow::json::ArrayFromJSONString reads them
};

std::shared_ptr<arrow::RecordBatch> MakeBatch(const std::vector<Column>& columns) {
  arrow::FieldVector fields;
  arrow::ArrayVector arrays;
  for (const Column& column : columns) {
    fields.push_back(column.field);
    arrays.push_back(OrDie(arrow::json::ArrayFromJSONString(column.field->type(), column.json),
                           "values of " + column.field->ToString()));
  }
  const int64_t rows = arrays.empty() ? 0 : arrays[0]->length();
  return arrow::RecordBatch::Make(arrow::schema(fields), rows, arrays);
}

std::string IpcStream(const std::vector<std::shared_ptr<arrow::RecordBatch>>& batches) {
  auto sink = OrDie(arrow::io::BufferOutputStream::Create(), "sink");
  auto writer =
      OrDie(arrow::ipc::MakeStreamWriter(sink, batches[0]->schema()), "IPC stream writer");
  for (const auto& batch : batches) {
    if (!writer->WriteRecordBatch(*batch).ok()) Fail(__FILE__, __LINE__, "IPC write");
  }
  if (!writer->Close().ok()) Fail(__FILE__, __LINE__, "IPC close");
  return OrDie(sink->Finish(), "IPC finish")->ToString();
}

// ---- Arrow batches --------------------------------------------------------------------------

// Every column of the declared table (emulator_fuzz_support.h) with the Arrow type a caller would
// use; `variant` adds the VARIANT column as JSON text (how it goes in a Protobuf record).
std::vector<Column> DeclaredTableColumns(bool variant) {
  using arrow::field;
  auto address = arrow::struct_({field("street", arrow::utf8()),
                                 field("zip", arrow::utf8(), /*nullable=*/false),
                                 field("lines", arrow::list(arrow::utf8()))});
  std::vector<Column> columns = {
      {field("id", arrow::int64(), false), "[1, 2, 3]"},
      {field("name", arrow::utf8()), R"(["ann", null, "b\u00e9"])"},
      {field("tiny", arrow::int8()), "[-128, 0, 127]"},
      {field("small", arrow::int16()), "[-32768, null, 32767]"},
      {field("count", arrow::int32()), "[0, 7, null]"},
      {field("ratio", arrow::float32()), "[0.5, null, -1.25]"},
      {field("score", arrow::float64()), "[1e300, 0.1, null]"},
      {field("flag", arrow::boolean()), "[true, false, null]"},
      {field("raw", arrow::binary()), R"(["\u0000\u0001", "", null])"},
      {field("day", arrow::date32()), "[0, 19000, null]"},
      {field("at", arrow::timestamp(arrow::TimeUnit::MICRO, "UTC")), "[0, 1700000000000000, null]"},
      {field("local_at", arrow::timestamp(arrow::TimeUnit::MICRO)), "[-1, 86400000000, null]"},
      {field("amount", arrow::decimal128(10, 2)), R"(["12.34", "-0.01", null])"},
      {field("tags", arrow::list(arrow::utf8())), R"([["a", "b"], [], null])"},
      {field("attrs", arrow::map(arrow::utf8(), arrow::int32())),
       R"([[["k", 1], ["l", null]], null, []])"},
      {field("address", address),
       R"([{"street": "Main", "zip": "12345", "lines": ["x"]}, null,
           {"street": null, "zip": "0", "lines": null}])"},
  };
  if (variant) {
    columns.insert(columns.begin() + 13,
                   {field("payload", arrow::utf8()), R"(["{\"a\": 1}", "[1, 2]", null])"});
  }
  return columns;
}

// Types of the type table, one column each, with values that encode and values that fail.
std::vector<std::shared_ptr<arrow::RecordBatch>> TypeTableBatches() {
  using arrow::field;
  std::vector<std::shared_ptr<arrow::RecordBatch>> batches;
  batches.push_back(MakeBatch({
      {field("u8", arrow::uint8()), "[0, 255, null]"},
      {field("u16", arrow::uint16()), "[0, 65535, null]"},
      {field("u32", arrow::uint32()), "[0, 4294967295, null]"},
      {field("u64", arrow::uint64()), "[0, 18446744073709551615, null]"},
      {field("half", arrow::float16()), "[0.5, null, 1]"},
      {field("big", arrow::large_utf8()), R"(["x", "\u00ff", null])"},
      {field("view", arrow::utf8_view()), R"(["a longer string than twelve", "s", null])"},
      {field("bin", arrow::large_binary()), R"(["a", "", null])"},
      {field("bview", arrow::binary_view()), R"(["b", "", null])"},
      {field("fixed", arrow::fixed_size_binary(2)), R"(["ab", "cd", null])"},
      {field("d64", arrow::date64()), "[86400000, -1, null]"},
      {field("ts_s", arrow::timestamp(arrow::TimeUnit::SECOND)), "[9223372036854775807, 0, null]"},
      {field("ts_ns", arrow::timestamp(arrow::TimeUnit::NANO, "Europe/Paris")), "[1, -1, null]"},
      {field("t32", arrow::time32(arrow::TimeUnit::MILLI)), "[1000, 0, null]"},
      {field("t64", arrow::time64(arrow::TimeUnit::NANO)), "[1000, 0, null]"},
      {field("dur", arrow::duration(arrow::TimeUnit::SECOND)), "[9223372036854775807, 1, null]"},
      {field("dec256", arrow::decimal256(40, 5)), R"(["1.00000", "-99.12345", null])"},
      {field("dec64", arrow::decimal64(12, 3)), R"(["100.000", "-0.200", null])"},
      {field("req", arrow::int32(), /*nullable=*/false), "[1, 2, 3]"},
  }));
  batches.push_back(MakeBatch({
      {field("ll", arrow::large_list(arrow::int64())), "[[1, null], [], null]"},
      {field("fsl", arrow::fixed_size_list(arrow::float32(), 2)), "[[1, 2], null, [3, null]]"},
      {field("lv", arrow::list_view(arrow::utf8())), R"([["a"], null, ["b", "c"]])"},
      {field("m", arrow::map(arrow::int64(), arrow::struct_({field("x", arrow::utf8())}))),
       R"([[[1, {"x": "y"}]], null, [[2, null]]])"},
      {field("s", arrow::struct_({field("a", arrow::int32(), false),
                                  field("b", arrow::struct_({field("c", arrow::utf8())}))})),
       R"([{"a": 1, "b": {"c": "d"}}, null, {"a": 2, "b": null}])"},
  }));
  return batches;
}

// A dictionary and a run-end encoded column, decoded by both wire formats.
std::shared_ptr<arrow::RecordBatch> EncodedColumnsBatch() {
  auto dictionary_type = arrow::dictionary(arrow::int8(), arrow::utf8());
  auto dictionary = OrDie(arrow::json::DictArrayFromJSONString(dictionary_type, "[0, 1, null, 0]",
                                                               R"(["red", "green"])"),
                          "dictionary");
  auto run_ends = OrDie(arrow::json::ArrayFromJSONString(arrow::int32(), "[2, 4]"), "run ends");
  auto values = OrDie(arrow::json::ArrayFromJSONString(arrow::int64(), "[7, null]"), "values");
  auto ree = OrDie(arrow::RunEndEncodedArray::Make(4, run_ends, values), "run-end encoded");
  return arrow::RecordBatch::Make(
      arrow::schema({arrow::field("color", dictionary_type), arrow::field("n", ree->type())}), 4,
      {dictionary, ree});
}

void IpcEncodeSeeds(const fs::path& dir) {
  WriteSeed(dir, "declared_table.arrows", IpcStream({MakeBatch(DeclaredTableColumns(true))}));
  const auto type_table = TypeTableBatches();
  WriteSeed(dir, "type_table_scalars.arrows", IpcStream({type_table[0]}));
  WriteSeed(dir, "type_table_nested.arrows", IpcStream({type_table[1], type_table[1]}));
  WriteSeed(dir, "dictionary_run_end.arrows", IpcStream({EncodedColumnsBatch()}));
  // Row errors: a null in a required field, invalid UTF-8, a null list element, overflow.
  WriteSeed(dir, "row_errors.arrows",
            IpcStream({MakeBatch({
                {arrow::field("id", arrow::int64(), false), "[1, null, 3]"},
                {arrow::field("u", arrow::uint64()), "[18446744073709551615, 1, 2]"},
                {arrow::field("s", arrow::binary()), R"(["ok", "\u00ff", "x"])"},
                {arrow::field("l", arrow::list(arrow::int32())), "[[1], [null], []]"},
            })}));
  // Refused when the schema is planned: a null column, a union.
  WriteSeed(dir, "unsupported_types.arrows",
            IpcStream({MakeBatch({
                {arrow::field("nothing", arrow::null()), "[null, null]"},
                {arrow::field("either", arrow::dense_union({arrow::field("i", arrow::int8())})),
                 "[[0, 1], [0, 2]]"},
            })}));
}

// ---- Debug files ----------------------------------------------------------------------------

// The .desc, .pbs and .arrows files DebugWriter makes for `batch`, as one input.
std::string DebugFiles(const std::shared_ptr<arrow::RecordBatch>& batch) {
  const fs::path dir =
      fs::temp_directory_path() / ("arrow_zerobus_seed_debug_" + std::to_string(getpid()));
  fs::remove_all(dir);
  debug::DebugOptions options;
  options.output_dir = dir;
  options.arrow = true;
  options.protobuf = true;
  auto writer = OrDie(debug::DebugWriter::Open("main.default.seed", options), "DebugWriter");
  auto plan = OrDie(schema::PlanSchema(*batch->schema()), "plan");
  auto encoded = OrDie(encode::EncodeBatch(*plan, *batch), "encode");
  if (!writer->WriteBatch(*batch).ok() || !writer->WriteRecords(*plan, encoded).ok() ||
      !writer->Close().ok()) {
    Fail(__FILE__, __LINE__, "writing debug files");
  }
  std::string desc, pbs, arrows;
  for (const fs::path& file : writer->files()) {
    if (file.extension() == ".pbs") {
      pbs = ReadFile(file);
      desc = ReadFile(debug::DescriptorPathFor(file));
    } else if (file.extension() == ".arrows") {
      arrows = ReadFile(file);
    }
  }
  fs::remove_all(dir);
  if (desc.empty() || pbs.empty() || arrows.empty()) Fail(__FILE__, __LINE__, "no debug files");
  return JoinParts({desc, pbs, arrows});
}

void DebugReaderSeeds(const fs::path& dir) {
  WriteSeed(dir, "declared_table", DebugFiles(MakeBatch(DeclaredTableColumns(true))));
  WriteSeed(dir, "nested", DebugFiles(TypeTableBatches()[1]));
  std::string truncated = DebugFiles(MakeBatch({{arrow::field("n", arrow::int32()), "[1, 2]"}}));
  WriteSeed(dir, "truncated_arrows", truncated.substr(0, truncated.size() - 9));
}

// ---- Emulator streams -----------------------------------------------------------------------

std::string Serialized(const zb::EphemeralStreamRequest& request) {
  return request.SerializeAsString();
}

void EmulatorEphemeralSeeds(const fs::path& dir) {
  const auto batch = MakeBatch(DeclaredTableColumns(true));
  auto plan = OrDie(schema::PlanSchema(*batch->schema()), "plan");
  const std::string descriptor = plan->descriptor.SerializeAsString();
  auto decoder = OrDie(emulator::RecordDecoder::FromDescriptorProto(descriptor), "decoder");
  const Status fits = emulator::CheckDescriptorFitsTable(decoder->descriptor(), DeclaredTable());
  if (!fits.ok()) Fail(__FILE__, __LINE__, "the seed descriptor must fit: " + fits.ToString());

  zb::EphemeralStreamRequest create;
  create.mutable_create_stream()->set_table_name("main.default.fuzz");
  create.mutable_create_stream()->set_descriptor_proto(descriptor);
  create.mutable_create_stream()->set_record_type(zb::PROTO);
  auto encoded = OrDie(encode::EncodeBatch(*plan, *batch), "encode");
  zb::EphemeralStreamRequest records;
  records.mutable_ingest_record_batch()->set_offset_id(0);
  for (int64_t row = 0; row < encoded.num_rows; ++row) {
    records.mutable_ingest_record_batch()->mutable_proto_encoded_batch()->add_records(
        std::string(encoded.record(row)));
  }
  zb::EphemeralStreamRequest one;
  one.mutable_ingest_record()->set_offset_id(1);
  one.mutable_ingest_record()->set_proto_encoded_record(std::string(encoded.record(0)));
  WriteSeed(dir, "declared_table",
            JoinParts({Serialized(create), Serialized(records), Serialized(one)}));

  // Undeclared: a descriptor that does not fit the table, with types only it takes.
  auto nested = TypeTableBatches()[1];
  auto nested_plan = OrDie(schema::PlanSchema(*nested->schema()), "plan");
  auto nested_encoded = OrDie(encode::EncodeBatch(*nested_plan, *nested), "encode");
  create.mutable_create_stream()->set_descriptor_proto(nested_plan->descriptor.SerializeAsString());
  records.mutable_ingest_record_batch()->mutable_proto_encoded_batch()->clear_records();
  for (int64_t row = 0; row < nested_encoded.num_rows; ++row) {
    if (nested_encoded.failed(row)) continue;
    records.mutable_ingest_record_batch()->mutable_proto_encoded_batch()->add_records(
        std::string(nested_encoded.record(row)));
  }
  WriteSeed(dir, "undeclared_nested", JoinParts({Serialized(create), Serialized(records)}));

  zb::EphemeralStreamRequest json_create;
  json_create.mutable_create_stream()->set_table_name("main.default.fuzz");
  json_create.mutable_create_stream()->set_record_type(zb::JSON);
  zb::EphemeralStreamRequest json;
  json.mutable_ingest_record_batch()->set_offset_id(0);
  json.mutable_ingest_record_batch()->mutable_json_batch()->add_records(R"({"id": 1})");
  json.mutable_ingest_record_batch()->mutable_json_batch()->add_records("[1]");
  WriteSeed(dir, "json", JoinParts({Serialized(json_create), Serialized(json)}));
}

std::string Bytes(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  if (!buffer.Dump(&slices).ok()) Fail(__FILE__, __LINE__, "ByteBuffer::Dump");
  std::string out;
  for (const grpc::Slice& slice : slices) {
    out.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  return out;
}

// A DoPut stream of `batch` as our client sends it: the canonical schema, then its batches.
std::vector<std::string> FlightStream(const std::shared_ptr<arrow::RecordBatch>& batch,
                                      flight::IpcCompression compression) {
  auto canonical = OrDie(encode::MakeCanonicalSchema(batch->schema()), "canonical schema");
  auto cast = OrDie(encode::CastToCanonical(canonical, *batch), "cast");
  flight::IpcPayloadOptions options;
  options.compression = compression;
  auto encoder = OrDie(flight::IpcPayloadEncoder::Make(canonical.canonical, options), "encoder");
  std::vector<std::string> parts = {Bytes(flight::FlightDataBuffer(encoder.schema_message(), ""))};
  int64_t offset = 0;
  for (const flight::IpcMessage& message : OrDie(encoder.EncodeBatch(*cast.batch), "IPC")) {
    parts.push_back(Bytes(flight::FlightDataBuffer(message, flight::OffsetIdMetadata(offset++))));
  }
  return parts;
}

void EmulatorFlightSeeds(const fs::path& dir) {
  // VARIANT travels as a binary struct on the Arrow path, which a caller does not make from
  // text: the nullable column is left out.
  const auto batch = MakeBatch(DeclaredTableColumns(false));
  const auto canonical = OrDie(encode::MakeCanonicalSchema(batch->schema()), "canonical");
  auto mismatches = OrDie(
      emulator::CheckArrowSchemaFitsTable(*canonical.canonical, DeclaredTable()), "fit check");
  if (!mismatches.empty()) {
    Fail(__FILE__, __LINE__, "the seed schema must fit: " + mismatches[0].detail);
  }
  WriteSeed(dir, "declared_table", JoinParts(FlightStream(batch, flight::IpcCompression::kNone)));
  WriteSeed(dir, "declared_table_zstd",
            JoinParts(FlightStream(batch, flight::IpcCompression::kZstd)));
  WriteSeed(dir, "undeclared_nested",
            JoinParts(FlightStream(TypeTableBatches()[1], flight::IpcCompression::kLz4Frame)));
  // Values the declared table refuses: a null id, a date past Delta's range, too many digits.
  auto bad = DeclaredTableColumns(false);
  bad[0] = {arrow::field("id", arrow::int64()), "[null, 1, 2]"};
  bad[9].json = "[2147483647, 0, null]";
  bad[12].json = R"(["99999999.99", "1.00", null])";
  WriteSeed(dir, "declared_table_bad_values",
            JoinParts(FlightStream(MakeBatch(bad), flight::IpcCompression::kNone)));
}

// ---- Text inputs ----------------------------------------------------------------------------

void TextSeeds(const fs::path& corpus) {
  const fs::path config = corpus / "config";
  WriteSeed(config, "flat",
            JoinParts({R"(zerobus_endpoint: https://1234.zerobus.us-west-2.cloud.databricks.com
table_name: main.default.orders
unity_catalog_url: https://workspace.cloud.databricks.com
client_id: id
client_secret: secret
retry_max_attempts: 5
wire_format: arrow
arrow_ipc_compression: zstd
debug_max_file_size: none
)",
                       "ZEROBUS_RETRY_MAX_ATTEMPTS=3", "ZEROBUS_TABLE_NAME=a.b.c",
                       "ZEROBUS_RETRY_MAX_ATEMPTS=1"}));
  WriteSeed(config, "sections",
            JoinParts({R"(zerobus_writer_disabled: yes
debug:
  enabled: true
  output_dir: /tmp/zerobus-debug
  max_file_rows: 1000
  arrow_enabled: on
observability:
  enabled: false
  export_interval_ms: 5000
stream_count: 4
)",
                       "ZEROBUS_STREAM_COUNT=65", "ZEROBUS_DEBUG_MAX_FILE_AGE_SECS=null"}));
  WriteSeed(config, "errors", R"(table_name: [a, b]
retry_max_attempts: many
retry_max_attempts: 2
unknown_key: 1
descriptor_proto: /nonexistent/record.desc
--- 
second: document
)");

  const fs::path endpoint = corpus / "endpoint";
  WriteSeed(
      endpoint, "https",
      JoinParts({"https://1234.zerobus.us-west-2.cloud.databricks.com/",
                 "1234.zerobus.us-west-2.cloud.databricks.com",
                 "https_proxy=http://proxy.internal:3128", "no_proxy=localhost, .databricks.com"}));
  WriteSeed(endpoint, "ipv6",
            JoinParts({"http://[::1]:50051", "::1", "grpc_proxy= http://p:1 ", "NO_GRPC_PROXY=*"}));
  WriteSeed(
      endpoint, "host_port",
      JoinParts({"localhost:8080", "LOCALHOST", "HTTP_PROXY=p:8080", "no_proxy=other,localhost"}));

  const fs::path oauth = corpus / "oauth_token";
  WriteSeed(
      oauth, "granted",
      JoinParts(
          {"200",
           R"({"access_token": "eyJhbGciOi.x.y", "token_type": "Bearer", "expires_in": 3600})",
           "main.default.orders", "1234567890"}));
  WriteSeed(oauth, "quoted_lifetime",
            JoinParts({"200", R"({"access_token": "t", "expires_in": "3599"})", "a.b.c"}));
  WriteSeed(oauth, "refused",
            JoinParts({"401", R"({"error": "invalid_client", "error_description": "bad secret"})",
                       "main..orders"}));
  WriteSeed(oauth, "unavailable", JoinParts({"503", "<html>busy</html>", "a.b.c.d"}));
}

}  // namespace
}  // namespace arrow_zerobus::fuzz

int main(int argc, char** argv) {
  using namespace arrow_zerobus::fuzz;
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <corpus dir>\n", argv[0]);
    return 2;
  }
  setenv("ARROW_DEFAULT_MEMORY_POOL", "system", 0);
  const std::filesystem::path corpus = argv[1];
  IpcEncodeSeeds(corpus / "ipc_encode");
  DebugReaderSeeds(corpus / "debug_reader");
  EmulatorEphemeralSeeds(corpus / "emulator_ephemeral");
  EmulatorFlightSeeds(corpus / "emulator_flight");
  TextSeeds(corpus);
  return 0;
}
