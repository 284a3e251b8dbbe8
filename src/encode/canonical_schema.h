// The canonical Arrow schema of the Arrow Flight path: the Arrow types Zerobus expects for the
// Delta column types, computed from a caller's schema. One table (CanonicalValueType) holds the
// mapping; it follows the protobuf type table (schema/type_table.h) so that both wire formats
// accept the same schemas and land the same values:
//
//   caller's Arrow type                                   canonical Arrow type
//   bool                                                  bool
//   int8, int16, int32, int64                             kept
//   uint8, uint16                                         int32
//   uint32                                                int64
//   uint64                                                int64 (value > INT64_MAX: row error)
//   float16, float32 / float64                            float32 / float64
//   utf8, large_utf8, utf8_view                           large_utf8 (invalid UTF-8: row error)
//   binary, large_binary, binary_view, fixed_size_binary  large_binary
//   date32, date64                                        date32 (date64 floor-divided)
//   timestamp (any unit) with a time zone                 timestamp(us, "UTC")  (TIMESTAMP)
//   timestamp (any unit) without a time zone              timestamp(us)         (TIMESTAMP_NTZ)
//   time32, time64, duration                              int64 microseconds (as on the proto path)
//   decimal32/64/128/256                                  large_utf8, exact text ("-12.3400")
//   list, large_list, list_view, fixed_size_list          list<item: T>
//   map (integer, bool or string keys)                    map<keys: K not null, values: V>
//   struct                                                struct, members mapped recursively
//   dictionary, run-end encoded, extension                the canonical type of the values
//
// Rejected, as by the protobuf planner (same checks, ConfigurationError naming column and type):
// null, unions, intervals, a list or map directly inside a list or map, maps with other keys,
// decimal scales beyond +-100. Nullability of every field (and list item / map value) is kept;
// field metadata is dropped. Column names are not restricted to proto identifiers here: the
// service checks them against the table.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <arrow/type.h>

#include "arrow_zerobus/status.h"

namespace arrow_zerobus::encode {

/// Field names the canonical nested types use: those of the official Rust SDK 3.1.1's Arrow
/// schema for a table (zerobus-rust-3.1-facts §5: list "item"; map "entries" of "keys" and
/// "values", where Arrow C++ would say "key" and "value"). Change them here only.
inline constexpr const char kListItemName[] = "item";
inline constexpr const char kMapEntriesName[] = "entries";
inline constexpr const char kMapKeyName[] = "keys";
inline constexpr const char kMapValueName[] = "values";

struct CanonicalSchemaOptions {
  /// The table's column names in table order (the service reports FIELD_OUT_OF_ORDER otherwise).
  /// Empty: the columns keep the caller's order. Names are matched exactly.
  std::vector<std::string> column_order;
  /// With column_order: whether names of column_order may be absent from the caller's schema
  /// (the service writes NULL into nullable columns a batch leaves out). Otherwise an absent
  /// column is an error.
  bool allow_omitted_columns = false;
};

struct CanonicalSchema {
  std::shared_ptr<arrow::Schema> source;     ///< the caller's schema, as given
  std::shared_ptr<arrow::Schema> canonical;  ///< what the Flight stream declares and sends
  /// Canonical column i holds the values of source column source_index[i].
  std::vector<int> source_index;
};

/// The canonical type of one value type that is neither list-like nor a map (dictionary,
/// run-end encoded and extension layers already resolved). Unsupported types give a
/// ConfigurationError naming `path`.
Result<std::shared_ptr<arrow::DataType>> CanonicalValueType(
    const std::shared_ptr<arrow::DataType>& type, const std::string& path);

/// The canonical field of `field`, whose column path (for errors) is `path`.
Result<std::shared_ptr<arrow::Field>> CanonicalField(const arrow::Field& field,
                                                     const std::string& path);

/// The canonical schema of `schema`, its columns reordered per `options.column_order`.
Result<CanonicalSchema> MakeCanonicalSchema(const std::shared_ptr<arrow::Schema>& schema,
                                            const CanonicalSchemaOptions& options = {});

}  // namespace arrow_zerobus::encode
