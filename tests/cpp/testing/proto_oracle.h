// An independent oracle for the encoder: parses records with protobuf's own DynamicMessage and
// checks them against the Arrow values, read back as scalars, under the rules of the type table
// (DESIGN.md). Nothing here calls the encoder's code: every conversion is computed again.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <arrow/record_batch.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/message.h>
#include <gtest/gtest.h>

#include "encode/encoded_batch.h"
#include "encode/row_error.h"
#include "schema/schema_plan.h"

namespace arrow_zerobus::testing {

/// Parses the records of one plan into DynamicMessages. Messages it returns use its factory, so
/// the parser must outlive them. It shares ownership of the plan's descriptor pool.
class RecordParser {
 public:
  explicit RecordParser(const schema::SchemaPlan& plan);

  /// The record as a message; nullptr, after adding a test failure, when the bytes do not parse
  /// (including a missing required field).
  std::unique_ptr<google::protobuf::Message> Parse(std::string_view bytes) const;
  /// An empty record message.
  std::unique_ptr<google::protobuf::Message> New() const;

 private:
  std::shared_ptr<google::protobuf::DescriptorPool> pool_;
  std::unique_ptr<google::protobuf::DynamicMessageFactory> factory_;
  const google::protobuf::Message* prototype_ = nullptr;
};

/// Parses one record of `plan` with a parser kept alive for the rest of the process (so the
/// message may live as long as the caller wants). A parse failure fails the test (nullptr).
std::unique_ptr<google::protobuf::Message> ParseRecord(const schema::SchemaPlan& plan,
                                                       std::string_view bytes);

/// A row error the type table's rules call for.
struct ExpectedRowError {
  encode::RowErrorKind kind;
  /// Column path as RowError::column spells it ("a", "a.b", "items[].sku", "attrs.value"); list
  /// element errors carry the list's path followed by "[]".
  std::string column;
  std::string cause;
};

/// Every error the rules demand for `row` of `batch` (empty when the row must encode), found from
/// the Arrow values alone, in column order.
std::vector<ExpectedRowError> ExpectedRowErrors(const arrow::RecordBatch& batch, int64_t row);

/// Whether `message` is exactly what the rules make of `row`: for every column, a null is an
/// absent field (or an empty repeated/map field), other values are present and equal after the
/// rule's conversion; structs recursively, lists element by element, maps as sets of entries.
/// Also checks each field's declared type and label, and that nothing else is set. The failure
/// message names the row, the column and both values.
::testing::AssertionResult RowMatches(const schema::SchemaPlan& plan,
                                      const arrow::RecordBatch& batch, int64_t row,
                                      const google::protobuf::Message& message);

/// The bookkeeping invariants of an EncodedBatch of `num_rows` rows: offsets and flags sized to
/// the batch, offsets non-decreasing from 0 to the arena size, rows == successful + failed, one
/// error per failed row, errors sorted by row, failed rows with empty records.
::testing::AssertionResult EncodedBatchInvariantsHold(const encode::EncodedBatch& encoded,
                                                      int64_t num_rows);

struct BatchCheckOptions {
  /// Also require each record to be byte-identical to protobuf's own serialization of the parsed
  /// message (canonical field order, varint widths, packing). Skipped for records with map fields,
  /// whose entry order protobuf does not keep.
  bool canonical_bytes = true;
  /// At most this many problems are described in the failure message.
  int max_reported = 10;
};

/// Checks every row of `encoded` against the oracle: a row the rules say must fail has failed with
/// one of the expected errors (its kind, its column, and the first failing top-level column); any
/// other row has not failed, parses, and RowMatches.
::testing::AssertionResult BatchMatchesOracle(const schema::SchemaPlan& plan,
                                              const arrow::RecordBatch& batch,
                                              const encode::EncodedBatch& encoded,
                                              const BatchCheckOptions& options = {});

/// True if `message` or any message type it uses has a map field.
bool HasMapField(const google::protobuf::Descriptor& message);

}  // namespace arrow_zerobus::testing
