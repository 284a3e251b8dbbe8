// The record descriptor of a Delta table, built from its Unity Catalog columns (the TableInfo of
// GET /api/2.1/unity-catalog/tables/{name}) as the official SDKs' generators build it
// (zerobus-rust-3.1-facts §5): proto2, columns in `position` order numbered position + 1,
// NOT NULL as required, ARRAY repeated, MAP as map entries, STRUCT as nested messages, DECIMAL
// and VARIANT as string, DATE int32 days, TIMESTAMP and TIMESTAMP_NTZ int64 microseconds.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <google/protobuf/descriptor.pb.h>

#include "arrow_zerobus/status.h"

namespace arrow_zerobus::schema {

/// One entry of TableInfo.columns.
struct UcColumn {
  std::string name;
  std::string type_name;  ///< "LONG", "DECIMAL", "STRUCT", ...
  std::string type_text;  ///< "bigint", "struct<a:int>", ...
  std::string type_json;  ///< the column as a Spark StructField in JSON (may be empty)
  int64_t position = 0;
  bool nullable = true;
};

/// The columns of a TableInfo JSON body; the error names what is missing or malformed.
Result<std::vector<UcColumn>> ParseUcTableColumns(std::string_view table_info_json);

/// The record message `message_name` for `columns`. Errors (ConfigurationError) name the column
/// and say why: "unsupported Databricks type 'interval'", a complex column without type_json,
/// a type_json that does not parse, an invalid field name, a nested ARRAY, an ARRAY of MAP, a MAP
/// whose key is not integral, boolean or string or whose value is an ARRAY or MAP, nesting deeper
/// than 100 levels.
Result<google::protobuf::DescriptorProto> DescriptorFromUcColumns(
    const std::vector<UcColumn>& columns, const std::string& message_name);

}  // namespace arrow_zerobus::schema
