// The declared table the emulator fuzz targets check streams against: a column of every Unity
// Catalog type the emulator knows, nested ones included, some NOT NULL. A stream whose schema
// (or descriptor) fits it is checked value by value as a declared table's; any other stream is
// taken as one for an undeclared table, which accepts any schema, as the emulator does.
#pragma once

#include <vector>

#include "table_schema.h"

namespace arrow_zerobus::fuzz {

inline std::vector<emulator::TableColumn> DeclaredTable() {
  return {
      {"id", "BIGINT", false},
      {"name", "STRING", true},
      {"tiny", "TINYINT", true},
      {"small", "SMALLINT", true},
      {"count", "INT", true},
      {"ratio", "FLOAT", true},
      {"score", "DOUBLE", true},
      {"flag", "BOOLEAN", true},
      {"raw", "BINARY", true},
      {"day", "DATE", true},
      {"at", "TIMESTAMP", true},
      {"local_at", "TIMESTAMP_NTZ", true},
      {"amount", "DECIMAL(10,2)", true},
      {"payload", "VARIANT", true},
      {"tags", "ARRAY<STRING>", true},
      {"attrs", "MAP<STRING, INT>", true},
      {"address", "STRUCT<street: STRING, zip: STRING NOT NULL, lines: ARRAY<STRING>>", true},
  };
}

}  // namespace arrow_zerobus::fuzz
