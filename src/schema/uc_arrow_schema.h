// The Arrow schema of a Delta table, built from its Unity Catalog columns as the official SDKs
// build the Arrow Flight schema (zerobus-rust-3.1-facts §5), with two departures that keep what
// the conversion to the table needs to know: DECIMAL(p,s) stays decimal128(p,s) (the wire formats
// send it as text, encode/canonical_schema.h), and VARIANT is large_utf8 (JSON text) marked as
// VARIANT. Every field carries its Databricks type in its metadata, for messages.
//
//   TINYINT int8, SMALLINT int16, INT int32, BIGINT int64, FLOAT float32, DOUBLE float64,
//   BOOLEAN bool, STRING large_utf8, BINARY large_binary, DATE date32,
//   TIMESTAMP timestamp(us, "UTC"), TIMESTAMP_NTZ timestamp(us), DECIMAL(p,s) decimal128(p,s),
//   VARIANT large_utf8, ARRAY list<item>, MAP map<entries: struct<key, value>>, STRUCT struct.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <arrow/type.h>

#include "arrow_zerobus/status.h"
#include "schema/uc_descriptor.h"

namespace arrow_zerobus::schema {

/// Field metadata key holding the Databricks type of the field ("BIGINT", "DECIMAL(10,2)").
inline constexpr const char kTableTypeKey[] = "arrow_zerobus.table_type";

/// The table's columns in position order as an Arrow schema; nullability as the table declares
/// it (NOT NULL columns and struct members, containsNull, valueContainsNull). Errors as
/// DescriptorFromUcColumns gives them.
Result<std::shared_ptr<arrow::Schema>> ArrowSchemaFromUcColumns(
    const std::vector<UcColumn>& columns);

/// The Databricks type `field` was made from ("" when it was not made by
/// ArrowSchemaFromUcColumns).
std::string TableTypeOf(const arrow::Field& field);

/// Whether `field` is a VARIANT column (JSON text).
bool IsVariantField(const arrow::Field& field);

}  // namespace arrow_zerobus::schema
