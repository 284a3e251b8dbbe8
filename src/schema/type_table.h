// The one table that maps Arrow types to proto2 field types. Descriptor generation, the check of
// a caller-supplied descriptor and the encoder factory all read it, so they cannot disagree.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <arrow/type.h>
#include <google/protobuf/descriptor.pb.h>

#include "arrow_zerobus/status.h"

namespace arrow_zerobus::schema {

using ProtoType = google::protobuf::FieldDescriptorProto::Type;

/// Decimal scales beyond this are refused when planning (their text would be mostly zeros).
constexpr int32_t kMaxDecimalScale = 100;

/// How an Arrow value becomes the number or bytes of its proto field.
enum class ValueConversion : uint8_t {
  kNone,            ///< the value as it is (ints widened, floats, bool, bytes)
  kUtf8,            ///< bytes that must be valid UTF-8
  kDaysFromMillis,  ///< date64 milliseconds -> days since epoch, floor-divided
  kMicrosFromUnit,  ///< timestamp / time / duration in any unit -> microseconds
  kDecimalText,     ///< decimal -> exact text with its scale, e.g. "-12.3400"
  kNestedMessage,   ///< struct -> nested message
};

/// What the table says about one (value) Arrow type.
struct TypeMapping {
  ProtoType default_proto_type;  ///< the proto type a generated descriptor uses
  ValueConversion conversion;
};

/// Looks up a value type (dictionary, run-end encoded and extension types already resolved to
/// their value or storage type; list, map, struct handled by the planner). Unsupported types
/// give a ConfigurationError that names `column_path` and the type.
Result<TypeMapping> MapValueType(const arrow::DataType& type, const std::string& column_path);

/// Whether values of `type` may be written into a field declared with `proto_type` by a
/// caller-supplied descriptor (range checks, if any, happen per row).
bool IsCompatibleProtoType(const arrow::DataType& type, ProtoType proto_type);

/// The type a dictionary's or run-end encoding's values take once decoded: view types become
/// large_utf8 / large_binary (Arrow cannot gather view arrays), others stay.
std::shared_ptr<arrow::DataType> DecodedValueType(const std::shared_ptr<arrow::DataType>& type);

/// The type values really have: the value type of dictionary and run-end encoded types, the
/// storage type of extension types (recursively).
std::shared_ptr<arrow::DataType> ResolveEncodedType(const std::shared_ptr<arrow::DataType>& type);

/// True if `type` (or anything nested in it) needs decoding before its values can be read:
/// dictionary, run-end encoded, extension or list-view types.
bool NeedsDecoding(const arrow::DataType& type);

/// Proto type name as written in a .proto file ("int64", "string", "message", ...).
std::string ProtoTypeName(ProtoType type);

/// True for proto types whose repeated fields can be packed (numbers and bool).
bool IsPackableProtoType(ProtoType type);

}  // namespace arrow_zerobus::schema
