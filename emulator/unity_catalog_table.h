// A declared table as the Unity Catalog REST API describes it (GET
// /api/2.1/unity-catalog/tables/{full_name}): the TableInfo the schema tools and the SDKs'
// descriptor generators read. Each column has `name`, `type_text` (Spark SQL's lower-case
// catalog string, e.g. "array<struct<a:int,b:string>>"), `type_name` (the upper-case kind:
// LONG, DECIMAL, STRUCT, ...), `type_json` (the column as a Spark StructField in JSON, a string:
// nested nullability lives here), `type_precision`, `type_scale`, `position` (from 0) and
// `nullable`.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "arrow_zerobus/status.h"
#include "table_schema.h"

namespace arrow_zerobus::emulator {

/// "bigint", "decimal(10,2)", "map<string,array<int>>", "struct<a:int,b:string>".
std::string SparkTypeText(const UcType& type);

/// The Spark JSON of a type: "long", "decimal(10,2)", or an object for ARRAY, MAP and STRUCT.
nlohmann::json SparkTypeJson(const UcType& type);

/// The TableInfo of `full_name` (catalog.schema.table) with `columns`; an error names a column
/// whose type does not parse.
Result<nlohmann::json> UnityCatalogTableInfo(const std::string& full_name,
                                             const std::vector<TableColumn>& columns);

}  // namespace arrow_zerobus::emulator
