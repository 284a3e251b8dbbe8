// The type of a Unity Catalog column, read from its TableInfo entry (Spark's type_json, or the
// type name for primitives), as the descriptor (uc_descriptor.h) and the table's Arrow schema
// (uc_arrow_schema.h) both need it.
#pragma once

#include <string>
#include <vector>

#include "arrow_zerobus/status.h"
#include "schema/uc_descriptor.h"

namespace arrow_zerobus::schema {

struct UcType {
  enum Kind { kPrimitive, kArray, kMap, kStruct } kind = kPrimitive;
  /// kPrimitive: the type's name in lower case, as Spark writes it ("long", "decimal(10,2)").
  std::string primitive;
  std::vector<UcType> elements;  ///< kArray: {element}; kMap: {key, value}
  /// kArray: whether elements may be null (containsNull); kMap: whether values may be.
  bool elements_nullable = true;
  struct Member;
  std::vector<Member> members;  ///< kStruct
};
struct UcType::Member {
  std::string name;
  UcType type;
  bool nullable = true;
};

/// The primitive types Zerobus carries, by their canonical names.
enum class UcPrimitive {
  kByte,
  kShort,
  kInt,
  kLong,
  kFloat,
  kDouble,
  kBoolean,
  kString,
  kBinary,
  kDate,
  kTimestamp,
  kTimestampNtz,
  kDecimal,
  kVariant,
};

/// The primitive a type name denotes (Spark's JSON name or UC's type_name, any case; CHAR(n) and
/// VARCHAR(n) are strings), with DECIMAL's precision and scale (10 and 0 when not written).
struct UcPrimitiveType {
  UcPrimitive primitive = UcPrimitive::kString;
  int precision = 0;
  int scale = 0;
};
Result<UcPrimitiveType> ParseUcPrimitive(const std::string& name);

/// The column's type: from type_json when there is one, else from type_text or type_name
/// (primitives only). Errors name the column.
Result<UcType> ParseUcColumnType(const UcColumn& column);

/// The columns in the order a record carries them: by `position`, negative positions left out.
std::vector<const UcColumn*> ColumnsInPositionOrder(const std::vector<UcColumn>& columns);

}  // namespace arrow_zerobus::schema
