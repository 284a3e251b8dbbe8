#include "arrow_schema_check.h"

#include <map>

#include <arrow/type.h>

#include "common/text.h"

namespace arrow_zerobus::emulator {
namespace {

using Kind = UcType::Kind;

arrow::FieldVector CanonicalFields(const std::vector<UcType::Field>& fields) {
  arrow::FieldVector out;
  for (const auto& field : fields) {
    out.push_back(arrow::field(field.name, CanonicalArrowType(field.type), field.nullable));
  }
  return out;
}

bool IsUtc(const std::string& timezone) { return timezone == "UTC" || timezone == "+00:00"; }

/// Collects every mismatch, so one refusal tells the whole story.
class FitChecker {
 public:
  void CheckFields(const arrow::FieldVector& fields, const std::vector<UcType::Field>& columns,
                   const std::string& prefix) {
    if (fields.size() > columns.size()) {
      const std::string count = std::to_string(fields.size()) + " fields, more than ";
      Add("FIELD_COUNT_MISMATCH", prefix.empty() ? "the schema has " + count + "the table's " +
                                                       std::to_string(columns.size()) + " columns"
                                                 : "struct '" + Parent(prefix) + "' has " + count +
                                                       "its column type's " +
                                                       std::to_string(columns.size()) + " fields");
    }
    std::map<std::string, size_t> index_by_name;
    for (size_t i = 0; i < columns.size(); ++i) index_by_name[AsciiLower(columns[i].name)] = i;
    std::vector<bool> matched(columns.size(), false);
    const UcType::Field* latest = nullptr;  // the matched column furthest along the table
    size_t latest_index = 0;
    for (const auto& field : fields) {
      const std::string path = prefix + field->name();
      const auto found = index_by_name.find(AsciiLower(field->name()));
      if (found == index_by_name.end()) {
        Add("FIELD_NOT_IN_TABLE", "field '" + path + "' has no column in the table");
        continue;
      }
      const size_t index = found->second;
      const UcType::Field& column = columns[index];
      if (matched[index]) {
        Add("FIELD_NOT_IN_TABLE", "field '" + path + "' appears twice; the table has one column '" +
                                      prefix + column.name + "'");
        continue;
      }
      matched[index] = true;
      if (latest != nullptr && index < latest_index) {
        Add("FIELD_OUT_OF_ORDER", "field '" + path + "' comes after field '" + prefix +
                                      latest->name +
                                      "', but its column comes before that one in "
                                      "the table");
      } else {
        latest = &column;
        latest_index = index;
      }
      CheckType(*field->type(), column.type, path);
    }
    for (size_t i = 0; i < columns.size(); ++i) {
      if (!matched[i] && !columns[i].nullable) {
        Add("MISSING_REQUIRED_COLUMN",
            "NOT NULL column '" + prefix + columns[i].name + "' has no field in the schema");
      }
    }
  }

  std::vector<SchemaMismatch> Take() { return std::move(mismatches_); }

 private:
  static std::string Parent(const std::string& prefix) {
    return prefix.substr(0, prefix.size() - 1);  // without the trailing '.'
  }

  void CheckType(const arrow::DataType& type, const UcType& column, const std::string& path) {
    bool fits = false;
    switch (column.kind) {
      case Kind::kTimestamp:
      case Kind::kTimestampNtz: {
        if (type.id() != arrow::Type::TIMESTAMP) break;
        const auto& timestamp = static_cast<const arrow::TimestampType&>(type);
        const bool utc = column.kind == Kind::kTimestamp;
        fits = timestamp.unit() == arrow::TimeUnit::MICRO &&
               (utc ? IsUtc(timestamp.timezone()) : timestamp.timezone().empty());
        break;
      }
      case Kind::kVariant:
        fits = VariantFits(type);
        break;
      case Kind::kArray:
        if (type.id() != arrow::Type::LIST) break;
        return CheckType(*static_cast<const arrow::ListType&>(type).value_type(),
                         column.elements[0], path + "[]");
      case Kind::kMap:
        if (type.id() != arrow::Type::MAP) break;
        CheckType(*static_cast<const arrow::MapType&>(type).key_type(), column.elements[0],
                  path + ".key");
        return CheckType(*static_cast<const arrow::MapType&>(type).item_type(), column.elements[1],
                         path + ".value");
      case Kind::kStruct:
        if (type.id() != arrow::Type::STRUCT) break;
        return CheckFields(type.fields(), column.fields, path + ".");
      default:
        fits = type.id() == CanonicalArrowType(column)->id();
        break;
    }
    if (!fits) {
      Add("TYPE_INCOMPATIBLE", "field '" + path + "' is " + type.ToString() + " but column type " +
                                   column.ToString() + " travels as " +
                                   CanonicalArrowType(column)->ToString());
    }
  }

  static bool VariantFits(const arrow::DataType& type) {
    if (type.id() != arrow::Type::STRUCT || type.num_fields() != 2) return false;
    return type.field(0)->name() == "metadata" && type.field(1)->name() == "value" &&
           type.field(0)->type()->id() == arrow::Type::LARGE_BINARY &&
           type.field(1)->type()->id() == arrow::Type::LARGE_BINARY;
  }

  void Add(std::string cause, std::string detail) {
    mismatches_.push_back({std::move(cause), std::move(detail)});
  }

  std::vector<SchemaMismatch> mismatches_;
};

}  // namespace

std::shared_ptr<arrow::DataType> CanonicalArrowType(const UcType& type) {
  switch (type.kind) {
    case Kind::kByte:
      return arrow::int8();
    case Kind::kShort:
      return arrow::int16();
    case Kind::kInt:
      return arrow::int32();
    case Kind::kLong:
      return arrow::int64();
    case Kind::kFloat:
      return arrow::float32();
    case Kind::kDouble:
      return arrow::float64();
    case Kind::kBoolean:
      return arrow::boolean();
    case Kind::kString:
    case Kind::kDecimal:  // decimals travel as exact text
      return arrow::large_utf8();
    case Kind::kBinary:
      return arrow::large_binary();
    case Kind::kDate:
      return arrow::date32();
    case Kind::kTimestamp:
      return arrow::timestamp(arrow::TimeUnit::MICRO, "UTC");
    case Kind::kTimestampNtz:
      return arrow::timestamp(arrow::TimeUnit::MICRO);
    case Kind::kVariant:
      return arrow::struct_({arrow::field("metadata", arrow::large_binary(), false),
                             arrow::field("value", arrow::large_binary(), false)});
    case Kind::kArray:
      return arrow::list(CanonicalArrowType(type.elements[0]));
    case Kind::kMap:
      return arrow::map(CanonicalArrowType(type.elements[0]), CanonicalArrowType(type.elements[1]));
    case Kind::kStruct:
      return arrow::struct_(CanonicalFields(type.fields));
  }
  return arrow::null();
}

Result<std::vector<SchemaMismatch>> CheckArrowSchemaFitsTable(
    const arrow::Schema& schema, const std::vector<TableColumn>& columns) {
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(std::vector<UcType::Field> fields, ParseColumns(columns));
  FitChecker checker;
  checker.CheckFields(schema.fields(), fields, "");
  return checker.Take();
}

}  // namespace arrow_zerobus::emulator
