// Tables the emulator can declare, with their columns as Unity Catalog describes them, and the
// check the service makes when a stream is created: does the record descriptor fit the table?
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <google/protobuf/descriptor.h>

#include "arrow_zerobus/status.h"

namespace arrow_zerobus::emulator {

/// A parsed Unity Catalog type ("BIGINT", "DECIMAL(10,2)", "ARRAY<STRUCT<a: INT NOT NULL>>").
struct UcType {
  enum class Kind {
    kByte,
    kShort,
    kInt,
    kLong,
    kFloat,
    kDouble,
    kString,
    kBoolean,
    kBinary,
    kDate,
    kTimestamp,
    kTimestampNtz,
    kVariant,
    kDecimal,
    kArray,
    kMap,
    kStruct
  };
  struct Field;

  Kind kind = Kind::kString;
  int precision = 0;             ///< DECIMAL
  int scale = 0;                 ///< DECIMAL
  std::vector<UcType> elements;  ///< ARRAY: {element}; MAP: {key, value}
  std::vector<Field> fields;     ///< STRUCT members

  /// Canonical text, e.g. "ARRAY<STRUCT<a: INT NOT NULL>>".
  std::string ToString() const;
};

struct UcType::Field {
  std::string name;
  UcType type;
  bool nullable = true;
};

/// Parses a type as Unity Catalog writes it (case-insensitive; INTEGER, BYTE, SHORT, LONG,
/// VARCHAR(n), CHAR(n) accepted as aliases). Errors name the text and the position.
Result<UcType> ParseUcType(std::string_view text);

struct TableColumn {
  std::string name;
  std::string type_text;  ///< as in Unity Catalog, e.g. "BIGINT", "MAP<STRING, INT>"
  bool nullable = true;
};

/// The columns' types parsed, as the members of a row (errors name the column).
Result<std::vector<UcType::Field>> ParseColumns(const std::vector<TableColumn>& columns);

/// Why a descriptor does not fit a table, as the service names it.
enum class SchemaCause { kFieldNotInTable, kMissingRequiredColumn, kTypeIncompatible };
std::string_view SchemaCauseName(SchemaCause cause);

/// Checks `record` against the table's columns under the service's current rules: every NOT NULL
/// column must be a field, nullable columns may be left out, no field may be unknown to the
/// table, and every field's type must carry its column's type (recursively for structs, arrays
/// and maps). On failure: INVALID_ARGUMENT listing every cause with the column it concerns.
Status CheckDescriptorFitsTable(const google::protobuf::Descriptor& record,
                                const std::vector<TableColumn>& columns);

}  // namespace arrow_zerobus::emulator
