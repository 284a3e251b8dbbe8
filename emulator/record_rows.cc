#include "record_rows.h"

#include <utility>

#include <arrow/array/builder_binary.h>
#include <arrow/array/builder_nested.h>
#include <arrow/array/builder_primitive.h>
#include <arrow/record_batch.h>
#include <arrow/table_builder.h>
#include <arrow/type.h>

#include "arrow_schema_check.h"
#include "column_values.h"
#include "common/text.h"

namespace arrow_zerobus::emulator {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;
using Kind = UcType::Kind;

/// One column (or struct member, list element, map key or value) and the field that carries it.
struct RecordRows::Column {
  const FieldDescriptor* field = nullptr;  ///< null: the descriptor leaves the column out
  std::optional<UcType> declared;          ///< the table's type; none for undeclared tables
  bool nullable = true;
  std::string path;  ///< "address.zip", "tags[]", "scores.value"
  std::shared_ptr<arrow::DataType> arrow_type;
  std::vector<Column> children;  ///< STRUCT members; ARRAY {element}; MAP {key, value}
};

namespace {

constexpr int kMaxUndeclaredDepth = 32;

// The most columns an undeclared table's row may have, nested fields counted each time their
// message type is used: a descriptor of a few hundred bytes whose message types each use the
// next one twice would otherwise expand into 2^30 columns (minutes of work and gigabytes).
constexpr int64_t kMaxUndeclaredColumns = 10000;

// The columns `message` expands into, counted no further than past `budget`.
int64_t CountColumns(const Descriptor& message, int depth, int64_t budget) {
  int64_t count = 0;
  for (int i = 0; i < message.field_count() && count <= budget; ++i) {
    const FieldDescriptor& field = *message.field(i);
    ++count;
    if (field.cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE && depth < kMaxUndeclaredDepth) {
      count += CountColumns(*field.message_type(), depth + 1, budget - count);
    }
  }
  return count;
}

Status Internal(const std::string& what) {
  return Status(StatusCode::kInternal, ErrorKind::kTransmission, "landing rows: " + what);
}

std::shared_ptr<arrow::DataType> LandedType(const UcType& type);

arrow::FieldVector LandedFields(const std::vector<UcType::Field>& fields) {
  arrow::FieldVector out;
  for (const auto& field : fields) {
    out.push_back(arrow::field(field.name, LandedType(field.type), field.nullable));
  }
  return out;
}

/// A declared column's landed type: its canonical Arrow type, except that VARIANT (JSON text on
/// the Protobuf wire) lands as that text.
std::shared_ptr<arrow::DataType> LandedType(const UcType& type) {
  switch (type.kind) {
    case Kind::kVariant:
      return arrow::large_utf8();
    case Kind::kArray:
      return arrow::list(LandedType(type.elements[0]));
    case Kind::kMap:
      return arrow::map(LandedType(type.elements[0]), LandedType(type.elements[1]));
    case Kind::kStruct:
      return arrow::struct_(LandedFields(type.fields));
    default:
      return CanonicalArrowType(type);
  }
}

const FieldDescriptor* FindField(const Descriptor& message, const std::string& name) {
  const std::string lowered = AsciiLower(name);
  for (int i = 0; i < message.field_count(); ++i) {
    if (AsciiLower(std::string(message.field(i)->name())) == lowered) return message.field(i);
  }
  return nullptr;
}

}  // namespace

// Builds the column tree and writes records into builders.
class RecordRows::Writer {
 public:
  // ---- the tree ----

  static RecordRows::Column Declared(const UcType::Field& member, const Descriptor& message,
                                     const std::string& prefix) {
    Column column;
    column.field = FindField(message, member.name);
    column.nullable = member.nullable;
    column.path = prefix + member.name;
    AddDeclaredChildren(&column, member.type);
    column.declared = member.type;
    column.arrow_type = LandedType(member.type);
    return column;
  }

  static Result<Column> Undeclared(const FieldDescriptor& field, const std::string& path,
                                   int depth) {
    Column column;
    column.field = &field;
    column.nullable = !field.is_required();
    column.path = path;
    if (field.is_map()) {
      const Descriptor& entry = *field.message_type();
      ARROW_ZEROBUS_ASSIGN_OR_RETURN(Column key,
                                     UndeclaredValue(*entry.map_key(), path + ".key", depth));
      ARROW_ZEROBUS_ASSIGN_OR_RETURN(Column value,
                                     UndeclaredValue(*entry.map_value(), path + ".value", depth));
      column.arrow_type = arrow::map(key.arrow_type, value.arrow_type);
      column.children = {std::move(key), std::move(value)};
    } else if (field.is_repeated()) {
      ARROW_ZEROBUS_ASSIGN_OR_RETURN(Column element, UndeclaredValue(field, path + "[]", depth));
      column.arrow_type = arrow::list(element.arrow_type);
      column.children = {std::move(element)};
    } else {
      ARROW_ZEROBUS_ASSIGN_OR_RETURN(column, UndeclaredValue(field, path, depth));
      column.nullable = !field.is_required();
    }
    return column;
  }

  // ---- writing ----

  /// A top-level column or struct member of `message`.
  static Status WriteMember(const Column& column, const Message& message,
                            arrow::ArrayBuilder* builder) {
    if (column.field == nullptr) return ToStatus(builder->AppendNull());
    if (column.field->is_repeated()) return WriteRepeated(column, message, builder);
    if (!message.GetReflection()->HasField(message, column.field)) {
      if (!column.nullable) return Refuse(column, "has no value");
      return ToStatus(builder->AppendNull());
    }
    return WriteValue(column, message, -1, builder);
  }

 private:
  static void AddDeclaredChildren(Column* column, const UcType& type) {
    const FieldDescriptor* field = column->field;
    if (type.kind == Kind::kArray) {
      Column element;
      element.field = field;
      element.declared = type.elements[0];
      element.path = column->path + "[]";
      element.arrow_type = LandedType(type.elements[0]);
      if (field != nullptr) AddDeclaredChildren(&element, type.elements[0]);
      column->children.push_back(std::move(element));
    } else if (type.kind == Kind::kMap) {
      const Descriptor* entry = field != nullptr ? field->message_type() : nullptr;
      const char* names[] = {".key", ".value"};
      for (int i = 0; i < 2; ++i) {
        Column part;
        part.field = entry == nullptr ? nullptr : (i == 0 ? entry->map_key() : entry->map_value());
        part.declared = type.elements[i];
        part.nullable = i == 1;
        part.path = column->path + names[i];
        part.arrow_type = LandedType(type.elements[i]);
        if (part.field != nullptr) AddDeclaredChildren(&part, type.elements[i]);
        column->children.push_back(std::move(part));
      }
    } else if (type.kind == Kind::kStruct && field != nullptr) {
      for (const auto& member : type.fields) {
        column->children.push_back(Declared(member, *field->message_type(), column->path + "."));
      }
    }
  }

  /// The value type of `field` (its element type when repeated).
  static Result<Column> UndeclaredValue(const FieldDescriptor& field, const std::string& path,
                                        int depth) {
    Column column;
    column.field = &field;
    column.path = path;
    switch (field.cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT32:
      case FieldDescriptor::CPPTYPE_ENUM:
        column.arrow_type = arrow::int32();
        break;
      case FieldDescriptor::CPPTYPE_INT64:
        column.arrow_type = arrow::int64();
        break;
      case FieldDescriptor::CPPTYPE_UINT32:
        column.arrow_type = arrow::uint32();
        break;
      case FieldDescriptor::CPPTYPE_UINT64:
        column.arrow_type = arrow::uint64();
        break;
      case FieldDescriptor::CPPTYPE_FLOAT:
        column.arrow_type = arrow::float32();
        break;
      case FieldDescriptor::CPPTYPE_DOUBLE:
        column.arrow_type = arrow::float64();
        break;
      case FieldDescriptor::CPPTYPE_BOOL:
        column.arrow_type = arrow::boolean();
        break;
      case FieldDescriptor::CPPTYPE_STRING:
        column.arrow_type = field.type() == FieldDescriptor::TYPE_BYTES ? arrow::large_binary()
                                                                        : arrow::large_utf8();
        break;
      case FieldDescriptor::CPPTYPE_MESSAGE: {
        if (depth >= kMaxUndeclaredDepth) {
          return Status(StatusCode::kInvalidArgument, ErrorKind::kConfiguration,
                        "field '" + path + "' nests messages more than " +
                            std::to_string(kMaxUndeclaredDepth) +
                            " deep (a recursive message type?); such records cannot land as rows");
        }
        arrow::FieldVector fields;
        const Descriptor& message = *field.message_type();
        for (int i = 0; i < message.field_count(); ++i) {
          const FieldDescriptor& member = *message.field(i);
          ARROW_ZEROBUS_ASSIGN_OR_RETURN(
              Column child, Undeclared(member, path + "." + std::string(member.name()), depth + 1));
          fields.push_back(
              arrow::field(std::string(member.name()), child.arrow_type, child.nullable));
          column.children.push_back(std::move(child));
        }
        column.arrow_type = arrow::struct_(std::move(fields));
        break;
      }
    }
    return column;
  }

  static Status ToStatus(const arrow::Status& status) {
    return status.ok() ? Status::OK() : Internal(status.ToString());
  }

  static Status Refuse(const Column& column, const std::string& why) {
    std::string type;
    if (column.declared) {
      type = " (" + column.declared->ToString() + (column.nullable ? "" : " NOT NULL") + ")";
    }
    return Status(StatusCode::kInvalidArgument, ErrorKind::kTransmission,
                  "column '" + column.path + "'" + type + ": value " + why);
  }

  static Status RefuseIf(const Column& column, const ValueRefusal& refusal) {
    return refusal ? Refuse(column, *refusal) : Status::OK();
  }

  static Status WriteRepeated(const Column& column, const Message& message,
                              arrow::ArrayBuilder* builder) {
    const Reflection& reflection = *message.GetReflection();
    const int size = reflection.FieldSize(message, column.field);
    if (column.field->is_map()) {
      auto* map = static_cast<arrow::MapBuilder*>(builder);
      ARROW_ZEROBUS_RETURN_NOT_OK(ToStatus(map->Append()));
      for (int i = 0; i < size; ++i) {
        const Message& entry = reflection.GetRepeatedMessage(message, column.field, i);
        ARROW_ZEROBUS_RETURN_NOT_OK(WriteValue(column.children[0], entry, -1, map->key_builder()));
        ARROW_ZEROBUS_RETURN_NOT_OK(WriteValue(column.children[1], entry, -1, map->item_builder()));
      }
      return Status::OK();
    }
    auto* list = static_cast<arrow::ListBuilder*>(builder);
    ARROW_ZEROBUS_RETURN_NOT_OK(ToStatus(list->Append()));
    for (int i = 0; i < size; ++i) {
      ARROW_ZEROBUS_RETURN_NOT_OK(
          WriteValue(column.children[0], message, i, list->value_builder()));
    }
    return Status::OK();
  }

  template <typename BuilderT, typename T>
  static Status AppendAs(arrow::ArrayBuilder* builder, T value) {
    return ToStatus(
        static_cast<BuilderT*>(builder)->Append(static_cast<typename BuilderT::value_type>(value)));
  }

  static Status AppendInteger(const Column& column, int64_t value, arrow::ArrayBuilder* builder) {
    if (column.declared) {
      const Kind kind = column.declared->kind;
      if (kind == Kind::kDate) {
        ARROW_ZEROBUS_RETURN_NOT_OK(RefuseIf(column, CheckDateDays(value)));
      } else if (kind == Kind::kTimestamp || kind == Kind::kTimestampNtz) {
        ARROW_ZEROBUS_RETURN_NOT_OK(RefuseIf(column, CheckTimestampMicros(value)));
      } else {
        ARROW_ZEROBUS_RETURN_NOT_OK(RefuseIf(column, CheckIntegerRange(kind, value)));
      }
    }
    switch (builder->type()->id()) {
      case arrow::Type::INT8:
        return AppendAs<arrow::Int8Builder>(builder, value);
      case arrow::Type::INT16:
        return AppendAs<arrow::Int16Builder>(builder, value);
      case arrow::Type::INT32:
        return AppendAs<arrow::Int32Builder>(builder, value);
      case arrow::Type::INT64:
        return AppendAs<arrow::Int64Builder>(builder, value);
      case arrow::Type::DATE32:
        return AppendAs<arrow::Date32Builder>(builder, value);
      case arrow::Type::TIMESTAMP:
        return AppendAs<arrow::TimestampBuilder>(builder, value);
      default:
        return Internal("an integer for column '" + column.path + "' of type " +
                        builder->type()->ToString());
    }
  }

  static Status AppendText(const Column& column, const std::string& text,
                           arrow::ArrayBuilder* builder) {
    if (builder->type()->id() == arrow::Type::LARGE_BINARY) {
      return ToStatus(static_cast<arrow::LargeBinaryBuilder*>(builder)->Append(text));
    }
    ARROW_ZEROBUS_RETURN_NOT_OK(RefuseIf(column, CheckUtf8(text)));
    if (column.declared && column.declared->kind == Kind::kDecimal) {
      ARROW_ZEROBUS_RETURN_NOT_OK(RefuseIf(
          column, CheckDecimalText(text, column.declared->precision, column.declared->scale)));
    } else if (column.declared && column.declared->kind == Kind::kVariant) {
      ARROW_ZEROBUS_RETURN_NOT_OK(RefuseIf(column, CheckJsonText(text)));
    }
    return ToStatus(static_cast<arrow::LargeStringBuilder*>(builder)->Append(text));
  }

  /// The value at `index` of a repeated field, or of a singular one when `index` is -1.
  static Status WriteValue(const Column& column, const Message& message, int index,
                           arrow::ArrayBuilder* builder) {
    const Reflection& r = *message.GetReflection();
    const FieldDescriptor* f = column.field;
    const bool one = index < 0;
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT32:
        return AppendInteger(
            column, one ? r.GetInt32(message, f) : r.GetRepeatedInt32(message, f, index), builder);
      case FieldDescriptor::CPPTYPE_INT64:
        return AppendInteger(
            column, one ? r.GetInt64(message, f) : r.GetRepeatedInt64(message, f, index), builder);
      case FieldDescriptor::CPPTYPE_ENUM:
        return AppendAs<arrow::Int32Builder>(
            builder, one ? r.GetEnumValue(message, f) : r.GetRepeatedEnumValue(message, f, index));
      case FieldDescriptor::CPPTYPE_UINT32:
        return AppendAs<arrow::UInt32Builder>(
            builder, one ? r.GetUInt32(message, f) : r.GetRepeatedUInt32(message, f, index));
      case FieldDescriptor::CPPTYPE_UINT64:
        return AppendAs<arrow::UInt64Builder>(
            builder, one ? r.GetUInt64(message, f) : r.GetRepeatedUInt64(message, f, index));
      case FieldDescriptor::CPPTYPE_FLOAT:
        return AppendAs<arrow::FloatBuilder>(
            builder, one ? r.GetFloat(message, f) : r.GetRepeatedFloat(message, f, index));
      case FieldDescriptor::CPPTYPE_DOUBLE:
        return AppendAs<arrow::DoubleBuilder>(
            builder, one ? r.GetDouble(message, f) : r.GetRepeatedDouble(message, f, index));
      case FieldDescriptor::CPPTYPE_BOOL:
        return AppendAs<arrow::BooleanBuilder>(
            builder, one ? r.GetBool(message, f) : r.GetRepeatedBool(message, f, index));
      case FieldDescriptor::CPPTYPE_STRING: {
        std::string scratch;
        const std::string& text = one ? r.GetStringReference(message, f, &scratch)
                                      : r.GetRepeatedStringReference(message, f, index, &scratch);
        return AppendText(column, text, builder);
      }
      case FieldDescriptor::CPPTYPE_MESSAGE: {
        const Message& member =
            one ? r.GetMessage(message, f) : r.GetRepeatedMessage(message, f, index);
        auto* row = static_cast<arrow::StructBuilder*>(builder);
        ARROW_ZEROBUS_RETURN_NOT_OK(ToStatus(row->Append()));
        for (size_t i = 0; i < column.children.size(); ++i) {
          ARROW_ZEROBUS_RETURN_NOT_OK(
              WriteMember(column.children[i], member, row->field_builder(static_cast<int>(i))));
        }
        return Status::OK();
      }
    }
    return Internal("field '" + column.path + "' has an unknown type");
  }
};

RecordRows::RecordRows() = default;
RecordRows::~RecordRows() = default;

Result<std::unique_ptr<RecordRows>> RecordRows::Make(const Descriptor& record,
                                                     const std::vector<TableColumn>* columns) {
  std::unique_ptr<RecordRows> rows(new RecordRows());
  arrow::FieldVector fields;
  if (columns != nullptr) {
    ARROW_ZEROBUS_ASSIGN_OR_RETURN(std::vector<UcType::Field> members, ParseColumns(*columns));
    for (const auto& member : members) {
      auto column = std::make_unique<Column>(Writer::Declared(member, record, ""));
      fields.push_back(arrow::field(member.name, column->arrow_type, member.nullable));
      rows->columns_.push_back(std::move(column));
    }
  } else {
    if (CountColumns(record, 0, kMaxUndeclaredColumns) > kMaxUndeclaredColumns) {
      return Status(StatusCode::kInvalidArgument, ErrorKind::kConfiguration,
                    "the fields of message '" + record.full_name() +
                        "', nested ones counted each time their type is used, make more than " +
                        std::to_string(kMaxUndeclaredColumns) +
                        " columns; such records cannot land as rows");
    }
    for (int i = 0; i < record.field_count(); ++i) {
      const FieldDescriptor& field = *record.field(i);
      ARROW_ZEROBUS_ASSIGN_OR_RETURN(Column column,
                                     Writer::Undeclared(field, std::string(field.name()), 0));
      fields.push_back(arrow::field(std::string(field.name()), column.arrow_type, column.nullable));
      rows->columns_.push_back(std::make_unique<Column>(std::move(column)));
    }
  }
  rows->schema_ = arrow::schema(std::move(fields));
  auto builder = arrow::RecordBatchBuilder::Make(rows->schema_, arrow::default_memory_pool());
  if (!builder.ok()) return Internal(builder.status().ToString());
  rows->builder_ = std::move(builder).ValueUnsafe();
  return rows;
}

const std::shared_ptr<arrow::Schema>& RecordRows::schema() const { return schema_; }

Status RecordRows::Append(const Message& record) {
  for (size_t i = 0; i < columns_.size(); ++i) {
    Status written =
        Writer::WriteMember(*columns_[i], record, builder_->GetField(static_cast<int>(i)));
    if (!written.ok()) {
      // The builders may hold part of this row: start again from none.
      auto fresh = arrow::RecordBatchBuilder::Make(schema_, arrow::default_memory_pool());
      if (!fresh.ok()) return Internal(fresh.status().ToString());
      builder_ = std::move(fresh).ValueUnsafe();
      pending_rows_ = 0;
      return written;
    }
  }
  ++pending_rows_;
  return Status::OK();
}

Result<std::shared_ptr<arrow::RecordBatch>> RecordRows::TakeRows() {
  const int64_t rows = std::exchange(pending_rows_, 0);
  // Without columns the builders cannot count the rows (a descriptor without fields).
  if (schema_->num_fields() == 0) {
    return arrow::RecordBatch::Make(schema_, rows, arrow::ArrayVector{});
  }
  auto batch = builder_->Flush();
  if (!batch.ok()) return Internal(batch.status().ToString());
  return std::move(batch).ValueUnsafe();
}

}  // namespace arrow_zerobus::emulator
