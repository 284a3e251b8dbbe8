#include "table_schema.h"
#include "common/text.h"

#include <cctype>
#include <map>
#include <optional>

namespace arrow_zerobus::emulator {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using Kind = UcType::Kind;

/// A recursive-descent parser over one type text.
class TypeParser {
 public:
  explicit TypeParser(std::string_view text) : text_(text) {}

  Result<UcType> ParseAll() {
    ARROW_ZEROBUS_ASSIGN_OR_RETURN(UcType type, ParseType());
    SkipSpace();
    if (pos_ != text_.size()) return Error("unexpected text");
    return type;
  }

 private:
  Result<UcType> ParseType() {
    const std::string word = AsciiUpper(Word());
    if (word.empty()) return Error("a type name is expected");
    static const std::map<std::string, Kind> kSimple = {
        {"TINYINT", Kind::kByte},
        {"BYTE", Kind::kByte},
        {"SMALLINT", Kind::kShort},
        {"SHORT", Kind::kShort},
        {"INT", Kind::kInt},
        {"INTEGER", Kind::kInt},
        {"BIGINT", Kind::kLong},
        {"LONG", Kind::kLong},
        {"FLOAT", Kind::kFloat},
        {"REAL", Kind::kFloat},
        {"DOUBLE", Kind::kDouble},
        {"STRING", Kind::kString},
        {"VARCHAR", Kind::kString},
        {"CHAR", Kind::kString},
        {"BOOLEAN", Kind::kBoolean},
        {"BINARY", Kind::kBinary},
        {"DATE", Kind::kDate},
        {"TIMESTAMP", Kind::kTimestamp},
        {"TIMESTAMP_NTZ", Kind::kTimestampNtz},
        {"VARIANT", Kind::kVariant},
        {"DECIMAL", Kind::kDecimal},
        {"DEC", Kind::kDecimal},
        {"NUMERIC", Kind::kDecimal},
    };
    UcType type;
    if (word == "ARRAY" || word == "MAP") {
      type.kind = word == "ARRAY" ? Kind::kArray : Kind::kMap;
      ARROW_ZEROBUS_RETURN_NOT_OK(Expect('<'));
      ARROW_ZEROBUS_ASSIGN_OR_RETURN(UcType first, ParseType());
      type.elements.push_back(std::move(first));
      if (type.kind == Kind::kMap) {
        ARROW_ZEROBUS_RETURN_NOT_OK(Expect(','));
        ARROW_ZEROBUS_ASSIGN_OR_RETURN(UcType second, ParseType());
        type.elements.push_back(std::move(second));
      }
      ARROW_ZEROBUS_RETURN_NOT_OK(Expect('>'));
      return type;
    }
    if (word == "STRUCT") {
      type.kind = Kind::kStruct;
      ARROW_ZEROBUS_RETURN_NOT_OK(Expect('<'));
      do {
        UcType::Field field;
        field.name = Name();
        if (field.name.empty()) return Error("a struct field name is expected");
        ARROW_ZEROBUS_RETURN_NOT_OK(Expect(':'));
        ARROW_ZEROBUS_ASSIGN_OR_RETURN(field.type, ParseType());
        const size_t mark = pos_;
        if (AsciiUpper(Word()) == "NOT" && AsciiUpper(Word()) == "NULL") {
          field.nullable = false;
        } else {
          pos_ = mark;
        }
        type.fields.push_back(std::move(field));
      } while (Accept(','));
      ARROW_ZEROBUS_RETURN_NOT_OK(Expect('>'));
      return type;
    }
    const auto simple = kSimple.find(word);
    if (simple == kSimple.end()) return Error("unknown type '" + word + "'");
    type.kind = simple->second;
    if (Accept('(')) {  // DECIMAL(p, s), VARCHAR(n), CHAR(n)
      ARROW_ZEROBUS_ASSIGN_OR_RETURN(type.precision, Number());
      if (Accept(',')) {
        ARROW_ZEROBUS_ASSIGN_OR_RETURN(type.scale, Number());
      }
      ARROW_ZEROBUS_RETURN_NOT_OK(Expect(')'));
    } else if (type.kind == Kind::kDecimal) {
      type.precision = 10;  // Databricks' default DECIMAL is DECIMAL(10, 0)
    }
    return type;
  }

  void SkipSpace() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  std::string Word() {
    SkipSpace();
    const size_t start = pos_;
    while (pos_ < text_.size() &&
           (std::isalnum(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '_')) {
      ++pos_;
    }
    return std::string(text_.substr(start, pos_ - start));
  }
  /// A field name: a word or a `backquoted` name.
  std::string Name() {
    SkipSpace();
    if (pos_ < text_.size() && text_[pos_] == '`') {
      const size_t end = text_.find('`', pos_ + 1);
      if (end == std::string_view::npos) return "";
      std::string name(text_.substr(pos_ + 1, end - pos_ - 1));
      pos_ = end + 1;
      return name;
    }
    return Word();
  }
  Result<int> Number() {
    const std::string digits = Word();
    if (digits.empty() || !std::all_of(digits.begin(), digits.end(), [](char c) {
          return std::isdigit(static_cast<unsigned char>(c)) != 0;
        })) {
      return Error("a number is expected");
    }
    return std::stoi(digits);
  }
  bool Accept(char c) {
    SkipSpace();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  Status Expect(char c) {
    return Accept(c) ? Status::OK() : Error(std::string("'") + c + "' is expected");
  }
  Status Error(const std::string& what) const {
    return ConfigurationError("type '" + std::string(text_) + "' at position " +
                              std::to_string(pos_) + ": " + what);
  }
  std::string_view text_;
  size_t pos_ = 0;
};

/// Collects every cause, so one refusal tells the whole story.
class FitChecker {
 public:
  void CheckMessage(const Descriptor& message, const std::vector<UcType::Field>& columns,
                    const std::string& prefix) {
    std::map<std::string, const UcType::Field*> by_name;
    for (const auto& column : columns) by_name[AsciiLower(column.name)] = &column;
    for (int i = 0; i < message.field_count(); ++i) {
      const FieldDescriptor& field = *message.field(i);
      const std::string path = prefix + std::string(field.name());
      const auto column = by_name.find(AsciiLower(std::string(field.name())));
      if (column == by_name.end()) {
        Add(SchemaCause::kFieldNotInTable, "field '" + path + "' has no column in the table");
        continue;
      }
      CheckField(field, column->second->type, path);
      by_name.erase(column);
    }
    for (const auto& [name, column] : by_name) {
      if (!column->nullable) {
        Add(SchemaCause::kMissingRequiredColumn,
            "NOT NULL column '" + prefix + column->name + "' has no field in the descriptor");
      }
    }
  }

  Status Result() const {
    if (causes_.empty()) return Status::OK();
    std::string names;
    std::string details;
    for (const auto& [cause, detail] : causes_) {
      if (names.find(SchemaCauseName(cause)) == std::string::npos) {
        names += (names.empty() ? "" : ",") + std::string(SchemaCauseName(cause));
      }
      details += (details.empty() ? "" : "; ") + detail;
    }
    return Status(StatusCode::kInvalidArgument, ErrorKind::kConfiguration,
                  "SCHEMA_VALIDATION_FAILED (causes: " + names + "; error_code 8001): " + details);
  }

 private:
  void CheckField(const FieldDescriptor& field, const UcType& type, const std::string& path) {
    if (type.kind == Kind::kArray) {
      if (!field.is_repeated() || field.is_map()) return Incompatible(field, type, path);
      return CheckValue(field, type.elements[0], path + "[]");
    }
    if (type.kind == Kind::kMap) {
      if (!field.is_map()) return Incompatible(field, type, path);
      CheckValue(*field.message_type()->map_key(), type.elements[0], path + ".key");
      CheckValue(*field.message_type()->map_value(), type.elements[1], path + ".value");
      return;
    }
    if (field.is_repeated()) return Incompatible(field, type, path);
    CheckValue(field, type, path);
  }

  /// The value type of `field` (its element type when repeated) against a non-ARRAY type: exactly
  /// the protobuf type the official generators emit for the column (our strict reading: no
  /// sint32/sfixed32 variants, no FLOAT field for a DOUBLE column, no int32 for a TIMESTAMP).
  void CheckValue(const FieldDescriptor& field, const UcType& type, const std::string& path) {
    const FieldDescriptor::Type t = field.type();
    bool fits = false;
    switch (type.kind) {
      case Kind::kByte:
      case Kind::kShort:
      case Kind::kInt:
      case Kind::kDate:
        fits = t == FieldDescriptor::TYPE_INT32;
        break;
      case Kind::kLong:
      case Kind::kTimestamp:
      case Kind::kTimestampNtz:
        fits = t == FieldDescriptor::TYPE_INT64;
        break;
      case Kind::kFloat:
        fits = t == FieldDescriptor::TYPE_FLOAT;
        break;
      case Kind::kDouble:
        fits = t == FieldDescriptor::TYPE_DOUBLE;
        break;
      case Kind::kString:
      case Kind::kVariant:
      case Kind::kDecimal:  // decimals travel as exact text (our type table)
        fits = t == FieldDescriptor::TYPE_STRING;
        break;
      case Kind::kBoolean:
        fits = t == FieldDescriptor::TYPE_BOOL;
        break;
      case Kind::kBinary:
        fits = t == FieldDescriptor::TYPE_BYTES;
        break;
      case Kind::kStruct:
        if (t == FieldDescriptor::TYPE_MESSAGE && !field.is_map()) {
          CheckMessage(*field.message_type(), type.fields, path + ".");
          return;
        }
        break;
      case Kind::kArray:
      case Kind::kMap:
        break;  // ARRAY<ARRAY> and maps inside arrays or map values have no protobuf form
    }
    if (!fits) Incompatible(field, type, path);
  }

  void Incompatible(const FieldDescriptor& field, const UcType& type, const std::string& path) {
    const std::string label = field.is_map() ? "map" : field.is_repeated() ? "repeated " : "";
    const std::string proto_type = field.is_map() ? "" : std::string(field.type_name());
    Add(SchemaCause::kTypeIncompatible, "field '" + path + "' (" + label + proto_type +
                                            ") cannot carry column type " + type.ToString());
  }

  void Add(SchemaCause cause, std::string detail) {
    causes_.emplace_back(cause, std::move(detail));
  }

  std::vector<std::pair<SchemaCause, std::string>> causes_;
};

}  // namespace

std::string UcType::ToString() const {
  switch (kind) {
    case Kind::kByte:
      return "TINYINT";
    case Kind::kShort:
      return "SMALLINT";
    case Kind::kInt:
      return "INT";
    case Kind::kLong:
      return "BIGINT";
    case Kind::kFloat:
      return "FLOAT";
    case Kind::kDouble:
      return "DOUBLE";
    case Kind::kString:
      return "STRING";
    case Kind::kBoolean:
      return "BOOLEAN";
    case Kind::kBinary:
      return "BINARY";
    case Kind::kDate:
      return "DATE";
    case Kind::kTimestamp:
      return "TIMESTAMP";
    case Kind::kTimestampNtz:
      return "TIMESTAMP_NTZ";
    case Kind::kVariant:
      return "VARIANT";
    case Kind::kDecimal:
      return "DECIMAL(" + std::to_string(precision) + "," + std::to_string(scale) + ")";
    case Kind::kArray:
      return "ARRAY<" + elements[0].ToString() + ">";
    case Kind::kMap:
      return "MAP<" + elements[0].ToString() + ", " + elements[1].ToString() + ">";
    case Kind::kStruct: {
      std::string out = "STRUCT<";
      for (size_t i = 0; i < fields.size(); ++i) {
        out += (i == 0 ? "" : ", ") + fields[i].name + ": " + fields[i].type.ToString() +
               (fields[i].nullable ? "" : " NOT NULL");
      }
      return out + ">";
    }
  }
  return "?";
}

Result<UcType> ParseUcType(std::string_view text) { return TypeParser(text).ParseAll(); }

std::string_view SchemaCauseName(SchemaCause cause) {
  switch (cause) {
    case SchemaCause::kFieldNotInTable:
      return "FIELD_NOT_IN_TABLE";
    case SchemaCause::kMissingRequiredColumn:
      return "MISSING_REQUIRED_COLUMN";
    case SchemaCause::kTypeIncompatible:
      return "TYPE_INCOMPATIBLE";
  }
  return "UNKNOWN";
}

Result<std::vector<UcType::Field>> ParseColumns(const std::vector<TableColumn>& columns) {
  std::vector<UcType::Field> fields;
  for (const auto& column : columns) {
    auto type = ParseUcType(column.type_text);
    if (!type.ok()) {
      return ConfigurationError("column '" + column.name + "': " + type.status().message());
    }
    fields.push_back({column.name, std::move(type).value(), column.nullable});
  }
  return fields;
}

Status CheckDescriptorFitsTable(const google::protobuf::Descriptor& record,
                                const std::vector<TableColumn>& columns) {
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(std::vector<UcType::Field> fields, ParseColumns(columns));
  FitChecker checker;
  checker.CheckMessage(record, fields, "");
  return checker.Result();
}

}  // namespace arrow_zerobus::emulator
