// Arrow IPC messages of the Flight path: every message read back with Arrow's own IPC reader
// (uncompressed, LZ4 frame, ZSTD), dictionaries hydrated, large batches split into row slices
// that cover every row once and in order, empty batches sending nothing.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <arrow/array.h>
#include <arrow/builder.h>
#include <arrow/io/memory.h>
#include <arrow/ipc/dictionary.h>
#include <arrow/ipc/message.h>
#include <arrow/ipc/reader.h>
#include <arrow/record_batch.h>
#include <arrow/table.h>
#include <arrow/type.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "encode/canonical_cast.h"
#include "encode/canonical_schema.h"
#include "flight/ipc_payloads.h"
#include "testing/arrow_builders.h"

namespace arrow_zerobus::flight {
namespace {

using arrow_zerobus::testing::ArrayFromJson;
using arrow_zerobus::testing::MakeBatch;
using ::testing::HasSubstr;

std::shared_ptr<arrow::Field> F(const std::string& name, std::shared_ptr<arrow::DataType> type,
                                bool nullable = true) {
  return arrow::field(name, std::move(type), nullable);
}

IpcPayloadEncoder MakeOrDie(const std::shared_ptr<arrow::Schema>& schema,
                            const IpcPayloadOptions& options = {}) {
  auto encoder = IpcPayloadEncoder::Make(schema, options);
  EXPECT_TRUE(encoder.ok()) << encoder.status();
  return std::move(encoder).value();
}

std::shared_ptr<arrow::Buffer> BodyOf(const IpcMessage& message) {
  auto body = message.Body();
  EXPECT_TRUE(body.ok()) << body.status();
  return body.ok() ? *body : nullptr;
}

/// Reads one record batch message back with Arrow's IPC reader, from the bytes a FlightData
/// would carry; checks the body layout on the way.
std::shared_ptr<arrow::RecordBatch> ReadBack(const IpcMessage& message,
                                             const std::shared_ptr<arrow::Schema>& schema) {
  EXPECT_EQ(message.body_length % 8, 0);
  EXPECT_EQ(message.wire_bytes(), message.data_header->size() + message.body_length);
  auto body = BodyOf(message);
  if (body == nullptr) return nullptr;
  EXPECT_EQ(body->size(), message.body_length);
  std::string appended;
  message.AppendBody(&appended);
  EXPECT_EQ(appended, body->ToString()) << "AppendBody and Body disagree";
  auto opened = arrow::ipc::Message::Open(message.data_header, body);
  EXPECT_TRUE(opened.ok()) << opened.status();
  if (!opened.ok()) return nullptr;
  EXPECT_EQ((*opened)->type(), arrow::ipc::MessageType::RECORD_BATCH);
  auto batch = arrow::ipc::ReadRecordBatch(**opened, schema, nullptr,
                                           arrow::ipc::IpcReadOptions::Defaults());
  EXPECT_TRUE(batch.ok()) << batch.status();
  if (!batch.ok()) return nullptr;
  EXPECT_TRUE((*batch)->ValidateFull().ok());
  return *batch;
}

std::shared_ptr<arrow::Schema> ReadSchemaBack(const IpcMessage& message) {
  EXPECT_EQ(message.body_length, 0);
  EXPECT_EQ(message.num_rows, 0);
  auto opened = arrow::ipc::Message::Open(message.data_header, nullptr);
  EXPECT_TRUE(opened.ok()) << opened.status();
  if (!opened.ok()) return nullptr;
  EXPECT_EQ((*opened)->type(), arrow::ipc::MessageType::SCHEMA);
  arrow::ipc::DictionaryMemo memo;
  auto schema = arrow::ipc::ReadSchema(**opened, &memo);
  EXPECT_TRUE(schema.ok()) << schema.status();
  return schema.ok() ? *schema : nullptr;
}

/// Reads every message back and checks they hold rows [0, n) of `expected` once, in order.
void ExpectRoundTrip(const std::vector<IpcMessage>& messages,
                     const std::shared_ptr<arrow::Schema>& schema,
                     const arrow::RecordBatch& expected) {
  int64_t next_row = 0;
  for (const auto& message : messages) {
    SCOPED_TRACE("message of rows " + std::to_string(message.first_row) + "+" +
                 std::to_string(message.num_rows));
    EXPECT_EQ(message.first_row, next_row);
    EXPECT_GT(message.num_rows, 0);
    auto batch = ReadBack(message, schema);
    ASSERT_NE(batch, nullptr);
    ASSERT_EQ(batch->num_rows(), message.num_rows);
    EXPECT_TRUE(batch->Equals(*expected.Slice(message.first_row, message.num_rows)));
    next_row += message.num_rows;
  }
  EXPECT_EQ(next_row, expected.num_rows());
}

std::shared_ptr<arrow::RecordBatch> CanonicalSample() {
  const auto pos = arrow::struct_({F("x", arrow::float64(), false), F("y", arrow::int32())});
  return MakeBatch(
      {F("id", arrow::int64(), false), F("ok", arrow::boolean()), F("name", arrow::large_utf8()),
       F("blob", arrow::large_binary()), F("at", arrow::timestamp(arrow::TimeUnit::MICRO, "UTC")),
       F("ntz", arrow::timestamp(arrow::TimeUnit::MICRO)), F("day", arrow::date32()),
       F("f", arrow::float32()), F("tags", arrow::list(arrow::large_utf8())),
       F("attrs", arrow::map(arrow::large_utf8(), arrow::int64())), F("pos", pos)},
      {ArrayFromJson(arrow::int64(), "[1, 2, 3]"),
       ArrayFromJson(arrow::boolean(), "[true, null, false]"),
       ArrayFromJson(arrow::large_utf8(), R"(["a", "\u00e9t\u00e9", null])"),
       ArrayFromJson(arrow::large_binary(), R"(["xyz", null, ""])"),
       ArrayFromJson(arrow::timestamp(arrow::TimeUnit::MICRO, "UTC"), "[1, null, 3]"),
       ArrayFromJson(arrow::timestamp(arrow::TimeUnit::MICRO), "[-1, 0, 1]"),
       ArrayFromJson(arrow::date32(), "[1, 2, null]"),
       ArrayFromJson(arrow::float32(), "[0.5, null, -1]"),
       ArrayFromJson(arrow::list(arrow::large_utf8()), R"([["x", "y"], null, []])"),
       ArrayFromJson(arrow::map(arrow::large_utf8(), arrow::int64()), R"([[["k", 1]], [], null])"),
       ArrayFromJson(pos, R"([{"x": 1, "y": null}, null, {"x": 2, "y": 3}])")});
}

/// A batch of `rows` rows of about `row_bytes` bytes each (a string column and an id).
std::shared_ptr<arrow::RecordBatch> WideRows(int64_t rows, int row_bytes) {
  arrow::Int64Builder ids;
  arrow::LargeStringBuilder text;
  for (int64_t i = 0; i < rows; ++i) {
    EXPECT_TRUE(ids.Append(i).ok());
    std::string value(static_cast<size_t>(row_bytes), 'a' + static_cast<char>(i % 26));
    EXPECT_TRUE(text.Append(value).ok());
  }
  return MakeBatch({F("id", arrow::int64()), F("text", arrow::large_utf8())},
                   {ids.Finish().ValueOrDie(), text.Finish().ValueOrDie()});
}

const IpcCompression kCompressions[] = {IpcCompression::kNone, IpcCompression::kLz4Frame,
                                        IpcCompression::kZstd};

TEST(IpcPayloadsTest, SchemaMessageReadsBackAsTheSchema) {
  auto batch = CanonicalSample();
  for (auto compression : kCompressions) {
    IpcPayloadOptions options;
    options.compression = compression;
    auto encoder = MakeOrDie(batch->schema(), options);
    auto schema = ReadSchemaBack(encoder.schema_message());
    ASSERT_NE(schema, nullptr);
    EXPECT_TRUE(schema->Equals(*batch->schema()));
    EXPECT_EQ(encoder.schema(), batch->schema());
  }
}

TEST(IpcPayloadsTest, BatchRoundTripsWithAndWithoutCompression) {
  auto batch = CanonicalSample();
  for (auto compression : kCompressions) {
    SCOPED_TRACE(static_cast<int>(compression));
    IpcPayloadOptions options;
    options.compression = compression;
    auto encoder = MakeOrDie(batch->schema(), options);
    auto messages = encoder.EncodeBatch(*batch);
    ASSERT_TRUE(messages.ok()) << messages.status();
    ASSERT_EQ(messages->size(), 1u);
    EXPECT_EQ((*messages)[0].first_row, 0);
    EXPECT_EQ((*messages)[0].num_rows, 3);
    EXPECT_EQ(BodyBytes(*messages), (*messages)[0].body_length);
    ExpectRoundTrip(*messages, encoder.schema(), *batch);
  }
}

TEST(IpcPayloadsTest, CompressionShrinksCompressibleBodies) {
  auto batch = WideRows(200, 500);
  IpcPayloadOptions plain;
  plain.max_body_bytes = 1 << 30;
  auto uncompressed = MakeOrDie(batch->schema(), plain).EncodeBatch(*batch);
  ASSERT_TRUE(uncompressed.ok());
  for (auto compression : {IpcCompression::kLz4Frame, IpcCompression::kZstd}) {
    IpcPayloadOptions options = plain;
    options.compression = compression;
    auto encoder = MakeOrDie(batch->schema(), options);
    auto messages = encoder.EncodeBatch(*batch);
    ASSERT_TRUE(messages.ok()) << messages.status();
    EXPECT_LT(BodyBytes(*messages) * 10, BodyBytes(*uncompressed));
    ExpectRoundTrip(*messages, encoder.schema(), *batch);
  }
}

TEST(IpcPayloadsTest, SlicedBatchRoundTrips) {
  auto batch = CanonicalSample()->Slice(1, 2);
  auto encoder = MakeOrDie(batch->schema());
  auto messages = encoder.EncodeBatch(*batch);
  ASSERT_TRUE(messages.ok()) << messages.status();
  ExpectRoundTrip(*messages, encoder.schema(), *batch);
}

TEST(IpcPayloadsTest, LargeBatchIsSplitIntoRowSlicesCoveringEveryRowOnce) {
  auto batch = WideRows(1000, 1000);  // about 1 MB of body
  for (auto compression : kCompressions) {
    SCOPED_TRACE(static_cast<int>(compression));
    IpcPayloadOptions options;
    options.compression = compression;
    options.max_body_bytes = 64 * 1024;
    auto encoder = MakeOrDie(batch->schema(), options);
    auto messages = encoder.EncodeBatch(*batch);
    ASSERT_TRUE(messages.ok()) << messages.status();
    if (compression == IpcCompression::kNone) {
      EXPECT_GE(messages->size(), 16u);
    }
    for (const auto& message : *messages) {
      EXPECT_LE(message.body_length, options.max_body_bytes);
    }
    ExpectRoundTrip(*messages, encoder.schema(), *batch);
  }
}

TEST(IpcPayloadsTest, UnevenRowsAreSplitAgainAndAHugeRowTravelsAlone) {
  arrow::LargeStringBuilder text;
  for (int i = 0; i < 64; ++i) {
    ASSERT_TRUE(text.Append(std::string(i == 40 ? 300000 : 100, 'x')).ok());
  }
  auto batch = MakeBatch({F("text", arrow::large_utf8())}, {text.Finish().ValueOrDie()});
  IpcPayloadOptions options;
  options.max_body_bytes = 16 * 1024;
  auto encoder = MakeOrDie(batch->schema(), options);
  auto messages = encoder.EncodeBatch(*batch);
  ASSERT_TRUE(messages.ok()) << messages.status();
  bool huge_alone = false;
  for (const auto& message : *messages) {
    if (message.first_row == 40) {
      EXPECT_EQ(message.num_rows, 1);
      EXPECT_GT(message.body_length, options.max_body_bytes);
      huge_alone = true;
    } else {
      EXPECT_LE(message.body_length, options.max_body_bytes);
    }
  }
  EXPECT_TRUE(huge_alone);
  ExpectRoundTrip(*messages, encoder.schema(), *batch);
}

TEST(IpcPayloadsTest, DefaultLimitKeepsOrdinaryBatchesWhole) {
  auto batch = WideRows(1000, 1000);
  auto encoder = MakeOrDie(batch->schema());
  auto messages = encoder.EncodeBatch(*batch);
  ASSERT_TRUE(messages.ok());
  ASSERT_EQ(messages->size(), 1u);
  EXPECT_LE((*messages)[0].body_length, kDefaultMaxMessageBodyBytes);
  EXPECT_GT(BodyBytes(*messages), 1000 * 1000);
}

TEST(IpcPayloadsTest, EmptyBatchProducesNoMessage) {
  auto batch = CanonicalSample()->Slice(0, 0);
  auto encoder = MakeOrDie(batch->schema());
  auto messages = encoder.EncodeBatch(*batch);
  ASSERT_TRUE(messages.ok()) << messages.status();
  EXPECT_TRUE(messages->empty());
  EXPECT_EQ(BodyBytes(*messages), 0);
}

TEST(IpcPayloadsTest, DictionariesAreHydrated) {
  const auto dict_type = arrow::dictionary(arrow::int8(), arrow::large_utf8());
  auto dict =
      arrow::DictionaryArray::FromArrays(dict_type, ArrayFromJson(arrow::int8(), "[1, 0, null, 1]"),
                                         ArrayFromJson(arrow::large_utf8(), R"(["zero", "one"])"))
          .ValueOrDie();
  auto list_values =
      arrow::DictionaryArray::FromArrays(dict_type, ArrayFromJson(arrow::int8(), "[0, 0, 1]"),
                                         ArrayFromJson(arrow::large_utf8(), R"(["p", "q"])"))
          .ValueOrDie();
  auto list =
      arrow::ListArray::FromArrays(*ArrayFromJson(arrow::int32(), "[0, 1, 1, 3, 3]"), *list_values)
          .ValueOrDie();
  auto batch = MakeBatch({F("d", dict_type), F("l", list->type())}, {dict, list});
  auto encoder = MakeOrDie(batch->schema());
  EXPECT_TRUE(encoder.schema()->Equals(
      *arrow::schema({F("d", arrow::large_utf8()), F("l", arrow::list(arrow::large_utf8()))})));
  auto schema = ReadSchemaBack(encoder.schema_message());
  ASSERT_NE(schema, nullptr);
  EXPECT_TRUE(schema->Equals(*encoder.schema()));
  auto messages = encoder.EncodeBatch(*batch);
  ASSERT_TRUE(messages.ok()) << messages.status();
  auto expected = MakeBatch(
      {F("d", arrow::large_utf8()), F("l", arrow::list(arrow::large_utf8()))},
      {ArrayFromJson(arrow::large_utf8(), R"(["one", "zero", null, "one"])"),
       ArrayFromJson(arrow::list(arrow::large_utf8()), R"([["p"], [], ["p", "q"], []])")});
  ExpectRoundTrip(*messages, encoder.schema(), *expected);
}

TEST(IpcPayloadsTest, BatchOfAnotherSchemaIsRefused) {
  auto encoder = MakeOrDie(arrow::schema({F("a", arrow::int32())}));
  auto other = MakeBatch({F("a", arrow::int64())}, {ArrayFromJson(arrow::int64(), "[1]")});
  auto messages = encoder.EncodeBatch(*other);
  ASSERT_FALSE(messages.ok());
  EXPECT_EQ(messages.status().kind(), ErrorKind::kConversion);
  EXPECT_THAT(messages.status().message(), HasSubstr("differs from the stream's schema"));
}

TEST(IpcPayloadsTest, BadLimitIsAConfigurationError) {
  IpcPayloadOptions options;
  options.max_body_bytes = 0;
  auto encoder = IpcPayloadEncoder::Make(arrow::schema({F("a", arrow::int32())}), options);
  ASSERT_FALSE(encoder.ok());
  EXPECT_EQ(encoder.status().kind(), ErrorKind::kConfiguration);
}

TEST(IpcPayloadsTest, CanonicalCastThenMessagesEndToEnd) {
  auto batch = MakeBatch(
      {F("u", arrow::uint64()), F("s", arrow::utf8()),
       F("ts", arrow::timestamp(arrow::TimeUnit::NANO, "Europe/Paris")),
       F("d", arrow::decimal128(6, 2))},
      {ArrayFromJson(arrow::uint64(), "[1, 18446744073709551615, 3]"),
       ArrayFromJson(arrow::utf8(), R"(["a", "b", "c"])"),
       ArrayFromJson(arrow::timestamp(arrow::TimeUnit::NANO, "Europe/Paris"), "[1000, 2000, 3999]"),
       ArrayFromJson(arrow::decimal128(6, 2), R"(["1.00", "2.50", "-3.25"])")});
  auto schema = encode::MakeCanonicalSchema(batch->schema());
  ASSERT_TRUE(schema.ok()) << schema.status();
  auto cast = encode::CastToCanonical(*schema, *batch);
  ASSERT_TRUE(cast.ok()) << cast.status();
  ASSERT_EQ(cast->failed_count(), 1);
  IpcPayloadOptions options;
  options.compression = IpcCompression::kZstd;
  auto encoder = MakeOrDie(schema->canonical, options);
  auto messages = encoder.EncodeBatch(*cast->batch);
  ASSERT_TRUE(messages.ok()) << messages.status();
  auto expected = MakeBatch(
      {F("u", arrow::int64()), F("s", arrow::large_utf8()),
       F("ts", arrow::timestamp(arrow::TimeUnit::MICRO, "UTC")), F("d", arrow::large_utf8())},
      {ArrayFromJson(arrow::int64(), "[1, 3]"), ArrayFromJson(arrow::large_utf8(), R"(["a", "c"])"),
       ArrayFromJson(arrow::timestamp(arrow::TimeUnit::MICRO, "UTC"), "[1, 3]"),
       ArrayFromJson(arrow::large_utf8(), R"(["1.00", "-3.25"])")});
  ExpectRoundTrip(*messages, encoder.schema(), *expected);
}

TEST(IpcPayloadsTest, HigherZstdLevelCompressesAtLeastAsWellAndReadsBack) {
  auto batch = WideRows(200, 500);
  IpcPayloadOptions options;
  options.max_body_bytes = 1 << 30;
  options.compression = IpcCompression::kZstd;
  int64_t previous = 0;
  for (int level : {1, 9, 19}) {
    SCOPED_TRACE(level);
    options.compression_level = level;
    auto encoder = MakeOrDie(batch->schema(), options);
    auto messages = encoder.EncodeBatch(*batch);
    ASSERT_TRUE(messages.ok()) << messages.status();
    if (previous > 0) EXPECT_LE(BodyBytes(*messages), previous);
    previous = BodyBytes(*messages);
    ExpectRoundTrip(*messages, encoder.schema(), *batch);
  }
}

TEST(IpcPayloadsTest, CompressionLevelOutsideTheCodecOrWithoutOneIsAConfigurationError) {
  auto batch = CanonicalSample();
  IpcPayloadOptions options;
  options.compression_level = 3;
  auto without = IpcPayloadEncoder::Make(batch->schema(), options);
  ASSERT_FALSE(without.ok());
  EXPECT_EQ(without.status().kind(), ErrorKind::kConfiguration);
  EXPECT_THAT(without.status().message(), ::testing::HasSubstr("needs a compression"));
  options.compression = IpcCompression::kZstd;
  options.compression_level = 1000;
  auto outside = IpcPayloadEncoder::Make(batch->schema(), options);
  ASSERT_FALSE(outside.ok());
  EXPECT_THAT(outside.status().message(), ::testing::HasSubstr("outside zstd's range"));
}

}  // namespace
}  // namespace arrow_zerobus::flight
