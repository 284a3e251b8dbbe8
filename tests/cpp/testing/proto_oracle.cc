#include "testing/proto_oracle.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <utility>

#include <arrow/array.h>
#include <arrow/extension_type.h>
#include <arrow/scalar.h>
#include <arrow/type.h>
#include <arrow/util/decimal.h>
#include <google/protobuf/unknown_field_set.h>

namespace arrow_zerobus::testing {
namespace {

using encode::RowErrorKind;
using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;
using Int128 = __int128;

constexpr Int128 kInt32Min = std::numeric_limits<int32_t>::min();
constexpr Int128 kInt32Max = std::numeric_limits<int32_t>::max();
constexpr Int128 kInt64Min = std::numeric_limits<int64_t>::min();
constexpr Int128 kInt64Max = std::numeric_limits<int64_t>::max();

template <typename T, typename From>
const T& As(const From& from) {
  return static_cast<const T&>(from);
}

std::string Int128ToString(Int128 v) {
  if (v == 0) return "0";
  const bool negative = v < 0;
  unsigned __int128 u = negative ? -static_cast<unsigned __int128>(v) : v;
  std::string out;
  while (u != 0) {
    out.push_back(static_cast<char>('0' + static_cast<int>(u % 10)));
    u /= 10;
  }
  if (negative) out.push_back('-');
  return std::string(out.rbegin(), out.rend());
}

/// Printable form of bytes: C-style escapes for anything outside printable ASCII.
std::string Quote(std::string_view bytes) {
  std::string out = "\"";
  const size_t shown = std::min<size_t>(bytes.size(), 80);
  for (size_t i = 0; i < shown; ++i) {
    const auto c = static_cast<unsigned char>(bytes[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      static const char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  if (bytes.size() > shown) out += "...(" + std::to_string(bytes.size()) + " bytes)";
  return out + "\"";
}

std::string FloatBits(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  std::ostringstream os;
  os.precision(9);
  os << f << " (bits 0x" << std::hex << bits << ")";
  return os.str();
}

std::string DoubleBits(double d) {
  uint64_t bits;
  std::memcpy(&bits, &d, 8);
  std::ostringstream os;
  os.precision(17);
  os << d << " (bits 0x" << std::hex << bits << ")";
  return os.str();
}

/// IEEE binary16 -> binary32, written from the format's definition (exact for every value;
/// NaN payloads are kept in the high mantissa bits, as hardware conversions do).
float HalfToFloat(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exponent = (h >> 10) & 0x1fu;
  const uint32_t mantissa = h & 0x3ffu;
  uint32_t bits;
  if (exponent == 0) {
    // zero or subnormal: mantissa * 2^-24, exactly representable as a float
    float magnitude = std::ldexp(static_cast<float>(mantissa), -24);
    std::memcpy(&bits, &magnitude, 4);
    bits |= sign;
  } else if (exponent == 0x1f) {
    bits = sign | 0x7f800000u | (mantissa << 13);
  } else {
    bits = sign | ((exponent - 15 + 127) << 23) | (mantissa << 13);
  }
  float out;
  std::memcpy(&out, &bits, 4);
  return out;
}

/// Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above U+10FFFF.
bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  const size_t n = s.size();
  while (i < n) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    int extra;
    uint32_t cp;
    if ((c & 0xe0) == 0xc0) {
      extra = 1;
      cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      extra = 2;
      cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      extra = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + static_cast<size_t>(extra) >= n) return false;
    for (int k = 1; k <= extra; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    static const uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[extra] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += extra + 1;
  }
  return true;
}

/// Integer division rounding towards negative infinity, written without `%`.
Int128 FloorDiv(Int128 v, Int128 d) { return v >= 0 ? v / d : -((-v + d - 1) / d); }

/// The decimal's exact text: the integer digits from arrow, the point placed by `scale`, no
/// exponent, no superfluous leading zeros ("-12.3400", "0.005", "500").
std::string DecimalText(std::string integer_digits, int32_t scale) {
  std::string sign;
  if (!integer_digits.empty() && integer_digits[0] == '-') {
    sign = "-";
    integer_digits.erase(0, 1);
  }
  std::string text;
  if (scale <= 0) {
    text = integer_digits == "0" ? "0" : integer_digits + std::string(-scale, '0');
  } else {
    if (static_cast<int32_t>(integer_digits.size()) <= scale) {
      integer_digits.insert(0, scale + 1 - integer_digits.size(), '0');
    }
    text = integer_digits.substr(0, integer_digits.size() - scale) + "." +
           integer_digits.substr(integer_digits.size() - scale);
  }
  return sign + text;
}

std::shared_ptr<arrow::DataType> ResolveType(std::shared_ptr<arrow::DataType> type) {
  while (true) {
    switch (type->id()) {
      case arrow::Type::DICTIONARY:
        type = As<arrow::DictionaryType>(*type).value_type();
        break;
      case arrow::Type::RUN_END_ENCODED:
        type = As<arrow::RunEndEncodedType>(*type).value_type();
        break;
      case arrow::Type::EXTENSION:
        type = As<arrow::ExtensionType>(*type).storage_type();
        break;
      default:
        return type;
    }
  }
}

/// The logical value of a scalar: dictionary, run-end encoded and extension scalars unwrapped.
std::shared_ptr<arrow::Scalar> ResolveScalar(std::shared_ptr<arrow::Scalar> s) {
  while (true) {
    switch (s->type->id()) {
      case arrow::Type::DICTIONARY: {
        const auto& dict = As<arrow::DictionaryScalar>(*s);
        if (!dict.is_valid) {
          s = arrow::MakeNullScalar(As<arrow::DictionaryType>(*s->type).value_type());
        } else {
          s = dict.GetEncodedValue().ValueOrDie();
        }
        break;
      }
      case arrow::Type::RUN_END_ENCODED: {
        const auto& ree = As<arrow::RunEndEncodedScalar>(*s);
        s = ree.value != nullptr
                ? ree.value
                : arrow::MakeNullScalar(As<arrow::RunEndEncodedType>(*s->type).value_type());
        break;
      }
      case arrow::Type::EXTENSION: {
        const auto& ext = As<arrow::ExtensionScalar>(*s);
        s = ext.is_valid && ext.value != nullptr
                ? ext.value
                : arrow::MakeNullScalar(As<arrow::ExtensionType>(*s->type).storage_type());
        break;
      }
      default:
        return s;
    }
  }
}

bool IsListLike(arrow::Type::type id) {
  return id == arrow::Type::LIST || id == arrow::Type::LARGE_LIST ||
         id == arrow::Type::FIXED_SIZE_LIST || id == arrow::Type::LIST_VIEW ||
         id == arrow::Type::LARGE_LIST_VIEW;
}

/// The proto type the type table gives a (resolved) value type; nullopt if it has none.
std::optional<FieldDescriptor::Type> ExpectedProtoType(const arrow::DataType& type) {
  switch (type.id()) {
    case arrow::Type::BOOL:
      return FieldDescriptor::TYPE_BOOL;
    case arrow::Type::INT8:
    case arrow::Type::INT16:
    case arrow::Type::INT32:
    case arrow::Type::UINT8:
    case arrow::Type::UINT16:
    case arrow::Type::DATE32:
    case arrow::Type::DATE64:
      return FieldDescriptor::TYPE_INT32;
    case arrow::Type::INT64:
    case arrow::Type::UINT32:
    case arrow::Type::UINT64:
    case arrow::Type::TIMESTAMP:
    case arrow::Type::TIME32:
    case arrow::Type::TIME64:
    case arrow::Type::DURATION:
      return FieldDescriptor::TYPE_INT64;
    case arrow::Type::HALF_FLOAT:
    case arrow::Type::FLOAT:
      return FieldDescriptor::TYPE_FLOAT;
    case arrow::Type::DOUBLE:
      return FieldDescriptor::TYPE_DOUBLE;
    case arrow::Type::STRING:
    case arrow::Type::LARGE_STRING:
    case arrow::Type::STRING_VIEW:
    case arrow::Type::DECIMAL32:
    case arrow::Type::DECIMAL64:
    case arrow::Type::DECIMAL128:
    case arrow::Type::DECIMAL256:
      return FieldDescriptor::TYPE_STRING;
    case arrow::Type::BINARY:
    case arrow::Type::LARGE_BINARY:
    case arrow::Type::BINARY_VIEW:
    case arrow::Type::FIXED_SIZE_BINARY:
      return FieldDescriptor::TYPE_BYTES;
    case arrow::Type::STRUCT:
      return FieldDescriptor::TYPE_MESSAGE;
    default:
      return std::nullopt;
  }
}

int64_t MicrosPerUnitMultiplier(arrow::TimeUnit::type unit) {
  switch (unit) {
    case arrow::TimeUnit::SECOND:
      return 1000000;
    case arrow::TimeUnit::MILLI:
      return 1000;
    default:
      return 1;
  }
}

std::string Describe(const Message& msg, const FieldDescriptor* fd, int index) {
  const Reflection* r = msg.GetReflection();
  switch (fd->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      return std::to_string(index < 0 ? r->GetInt32(msg, fd) : r->GetRepeatedInt32(msg, fd, index));
    case FieldDescriptor::CPPTYPE_INT64:
      return std::to_string(index < 0 ? r->GetInt64(msg, fd) : r->GetRepeatedInt64(msg, fd, index));
    case FieldDescriptor::CPPTYPE_UINT32:
      return std::to_string(index < 0 ? r->GetUInt32(msg, fd)
                                      : r->GetRepeatedUInt32(msg, fd, index));
    case FieldDescriptor::CPPTYPE_UINT64:
      return std::to_string(index < 0 ? r->GetUInt64(msg, fd)
                                      : r->GetRepeatedUInt64(msg, fd, index));
    case FieldDescriptor::CPPTYPE_BOOL:
      return (index < 0 ? r->GetBool(msg, fd) : r->GetRepeatedBool(msg, fd, index)) ? "true"
                                                                                    : "false";
    case FieldDescriptor::CPPTYPE_FLOAT:
      return FloatBits(index < 0 ? r->GetFloat(msg, fd) : r->GetRepeatedFloat(msg, fd, index));
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return DoubleBits(index < 0 ? r->GetDouble(msg, fd) : r->GetRepeatedDouble(msg, fd, index));
    case FieldDescriptor::CPPTYPE_STRING:
      return Quote(index < 0 ? r->GetString(msg, fd) : r->GetRepeatedString(msg, fd, index));
    case FieldDescriptor::CPPTYPE_MESSAGE:
      return "{" +
             (index < 0 ? r->GetMessage(msg, fd) : r->GetRepeatedMessage(msg, fd, index))
                 .ShortDebugString() +
             "}";
    default:
      return "?";
  }
}

/// What one non-null Arrow value must become in its proto field.
struct Expected {
  enum Kind { kInt, kBool, kFloat, kDouble, kBytes } kind = kInt;
  Int128 integer = 0;
  bool boolean = false;
  float f = 0;
  double d = 0;
  std::string bytes;
};

class Walker {
 public:
  explicit Walker(int64_t row) : row_(row) {}

  std::vector<ExpectedRowError> errors;
  std::vector<std::string> mismatches;

  /// One Arrow field (column, struct member) against its proto field in `msg` (null: only
  /// collect the expected errors).
  void CheckField(const arrow::Field& field, const std::shared_ptr<arrow::Scalar>& raw,
                  const Message* msg, const std::string& path) {
    const FieldDescriptor* fd = nullptr;
    if (msg != nullptr) {
      fd = msg->GetDescriptor()->FindFieldByName(field.name());
      if (fd == nullptr) {
        Mismatch(path, "a field named '" + field.name() + "'",
                 "none in message " + msg->GetDescriptor()->full_name());
        msg = nullptr;
      }
    }
    const auto type = ResolveType(field.type());
    const auto scalar = ResolveScalar(raw);
    if (IsListLike(type->id())) {
      CheckList(field, *type, *scalar, msg, fd, path);
    } else if (type->id() == arrow::Type::MAP) {
      CheckMap(field, As<arrow::MapType>(*type), *scalar, msg, fd, path);
    } else {
      CheckSingular(field, type, *scalar, msg, fd, path);
    }
  }

 private:
  void Error(RowErrorKind kind, const std::string& path, std::string cause) {
    errors.push_back(ExpectedRowError{kind, path, std::move(cause)});
  }

  void Mismatch(const std::string& path, const std::string& expected, const std::string& actual) {
    mismatches.push_back("row " + std::to_string(row_) + ", column '" + path + "': expected " +
                         expected + ", got " + actual);
  }

  bool CheckDeclaredType(const std::string& path, const arrow::DataType& type,
                         const FieldDescriptor* fd) {
    const auto expected = ExpectedProtoType(type);
    if (!expected.has_value()) {
      Mismatch(path, "no field (Arrow type " + type.ToString() + " has no mapping)",
               "field " + fd->full_name());
      return false;
    }
    if (fd->type() != *expected) {
      Mismatch(path,
               std::string("proto type ") + FieldDescriptor::TypeName(*expected) + " for Arrow " +
                   type.ToString(),
               std::string("proto type ") + fd->type_name());
      return false;
    }
    return true;
  }

  void CheckSingular(const arrow::Field& field, const std::shared_ptr<arrow::DataType>& type,
                     const arrow::Scalar& scalar, const Message* msg, const FieldDescriptor* fd,
                     const std::string& path) {
    if (msg != nullptr) {
      const auto label =
          field.nullable() ? FieldDescriptor::LABEL_OPTIONAL : FieldDescriptor::LABEL_REQUIRED;
      if (fd->label() != label) {
        Mismatch(path,
                 std::string("label ") + (field.nullable() ? "optional" : "required") +
                     " (nullable=" + (field.nullable() ? "true" : "false") + ")",
                 "label " + std::to_string(fd->label()));
        return;
      }
      if (!CheckDeclaredType(path, *type, fd)) return;
    }
    if (!scalar.is_valid) {
      if (!field.nullable()) {
        Error(RowErrorKind::kNullValue, path, "null in non-nullable field " + field.ToString());
      } else if (msg != nullptr && msg->GetReflection()->HasField(*msg, fd)) {
        Mismatch(path, "field absent (null)", "a value: " + Describe(*msg, fd, -1));
      }
      return;
    }
    if (msg != nullptr && !msg->GetReflection()->HasField(*msg, fd)) {
      Mismatch(path, "value " + scalar.ToString(), "field absent");
      return;
    }
    CheckValue(type, scalar, msg, fd, -1, path);
  }

  void CheckList(const arrow::Field& field, const arrow::DataType& type,
                 const arrow::Scalar& scalar, const Message* msg, const FieldDescriptor* fd,
                 const std::string& path) {
    const auto& element_field = *type.field(0);
    const auto element_type = ResolveType(element_field.type());
    const std::string element_path = path + "[]";
    if (msg != nullptr) {
      if (!fd->is_repeated() || fd->is_map()) {
        Mismatch(path, "a repeated field for " + type.ToString(), "field " + fd->DebugString());
        return;
      }
      if (!CheckDeclaredType(element_path, *element_type, fd)) return;
      const bool packable = fd->cpp_type() != FieldDescriptor::CPPTYPE_STRING &&
                            fd->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE;
      if (packable != fd->is_packed()) {
        Mismatch(path, std::string("packed=") + (packable ? "true" : "false"),
                 std::string("packed=") + (fd->is_packed() ? "true" : "false"));
      }
    }
    const int actual_size = msg == nullptr ? 0 : msg->GetReflection()->FieldSize(*msg, fd);
    if (!scalar.is_valid) {
      if (!field.nullable()) {
        Error(RowErrorKind::kNullValue, path,
              "null list in non-nullable field " + field.ToString());
      } else if (actual_size != 0) {
        Mismatch(path, "no elements (null list)", std::to_string(actual_size) + " elements");
      }
      return;
    }
    const auto& values = As<arrow::BaseListScalar>(scalar).value;
    const size_t errors_before = errors.size();
    std::vector<std::shared_ptr<arrow::Scalar>> elements;
    for (int64_t i = 0; i < values->length(); ++i) {
      auto element = ResolveScalar(values->GetScalar(i).ValueOrDie());
      if (!element->is_valid) {
        Error(RowErrorKind::kNullElement, element_path,
              "null element at position " + std::to_string(i));
      }
      elements.push_back(std::move(element));
    }
    if (msg != nullptr && errors.size() == errors_before &&
        actual_size != static_cast<int>(values->length())) {
      Mismatch(path, std::to_string(values->length()) + " elements " + scalar.ToString(),
               std::to_string(actual_size) + " elements");
      msg = nullptr;  // still collect element errors
    }
    for (size_t i = 0; i < elements.size(); ++i) {
      if (!elements[i]->is_valid) continue;
      CheckValue(element_type, *elements[i], errors.size() == errors_before ? msg : nullptr, fd,
                 static_cast<int>(i), element_path);
    }
  }

  void CheckMap(const arrow::Field& field, const arrow::MapType& type, const arrow::Scalar& scalar,
                const Message* msg, const FieldDescriptor* fd, const std::string& path) {
    const auto key_type = ResolveType(type.key_type());
    const auto item_type = ResolveType(type.item_type());
    const std::string key_path = path + ".key";
    const std::string value_path = path + ".value";
    const FieldDescriptor* key_fd = nullptr;
    const FieldDescriptor* value_fd = nullptr;
    if (msg != nullptr) {
      if (!fd->is_map()) {
        Mismatch(path, "a map field for " + type.ToString(), "field " + fd->DebugString());
        return;
      }
      key_fd = fd->message_type()->map_key();
      value_fd = fd->message_type()->map_value();
      if (!CheckDeclaredType(key_path, *key_type, key_fd) ||
          !CheckDeclaredType(value_path, *item_type, value_fd)) {
        return;
      }
    }
    const int actual_size = msg == nullptr ? 0 : msg->GetReflection()->FieldSize(*msg, fd);
    if (!scalar.is_valid) {
      if (!field.nullable()) {
        Error(RowErrorKind::kNullValue, path, "null map in non-nullable field " + field.ToString());
      } else if (actual_size != 0) {
        Mismatch(path, "no entries (null map)", std::to_string(actual_size) + " entries");
      }
      return;
    }
    const auto& entries = As<arrow::StructArray>(*As<arrow::BaseListScalar>(scalar).value);
    const size_t errors_before = errors.size();
    // Expected entries by key text; protobuf keeps the last of duplicate keys, but every value
    // (also one protobuf then drops) must be encodable.
    std::map<std::string, std::shared_ptr<arrow::Scalar>> expected;
    for (int64_t i = 0; i < entries.length(); ++i) {
      auto key = ResolveScalar(entries.field(0)->GetScalar(i).ValueOrDie());
      auto value = ResolveScalar(entries.field(1)->GetScalar(i).ValueOrDie());
      std::optional<Expected> key_value;
      if (!key->is_valid) {
        Error(RowErrorKind::kNullElement, key_path, "null map key at entry " + std::to_string(i));
      } else {
        key_value = Convert(key_type, *key, key_path);
      }
      if (!value->is_valid) {
        Error(RowErrorKind::kNullElement, value_path,
              "null map value at entry " + std::to_string(i));
        continue;
      }
      CheckValue(item_type, *value, nullptr, nullptr, -1, value_path);
      if (key_value.has_value()) expected[KeyText(*key_value)] = value;
    }
    if (msg == nullptr || errors.size() != errors_before) return;
    // Entries in wire order; a later duplicate key replaces an earlier one, as when protobuf
    // merges them into its map.
    const Reflection* refl = msg->GetReflection();
    std::map<std::string, const Message*> actual;
    for (int i = 0; i < actual_size; ++i) {
      const Message& entry = refl->GetRepeatedMessage(*msg, fd, i);
      actual[ActualKeyText(entry, key_fd)] = &entry;
    }
    if (actual.size() != expected.size()) {
      Mismatch(path, std::to_string(expected.size()) + " distinct keys " + scalar.ToString(),
               std::to_string(actual.size()) + " distinct keys");
      return;
    }
    for (const auto& [key, value] : expected) {
      auto it = actual.find(key);
      if (it == actual.end()) {
        Mismatch(path, "an entry with key " + Quote(key), "none");
        continue;
      }
      CheckValue(item_type, *value, it->second, value_fd, -1, value_path + "[" + key + "]");
    }
  }

  static std::string KeyText(const Expected& e) {
    switch (e.kind) {
      case Expected::kInt:
        return Int128ToString(e.integer);
      case Expected::kBool:
        return e.boolean ? "true" : "false";
      default:
        return e.bytes;
    }
  }

  static std::string ActualKeyText(const Message& entry, const FieldDescriptor* key_fd) {
    const Reflection* r = entry.GetReflection();
    switch (key_fd->cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT32:
        return Int128ToString(r->GetInt32(entry, key_fd));
      case FieldDescriptor::CPPTYPE_INT64:
        return Int128ToString(r->GetInt64(entry, key_fd));
      case FieldDescriptor::CPPTYPE_UINT32:
        return Int128ToString(r->GetUInt32(entry, key_fd));
      case FieldDescriptor::CPPTYPE_UINT64:
        return Int128ToString(r->GetUInt64(entry, key_fd));
      case FieldDescriptor::CPPTYPE_BOOL:
        return r->GetBool(entry, key_fd) ? "true" : "false";
      case FieldDescriptor::CPPTYPE_STRING:
        return r->GetString(entry, key_fd);
      default:
        return "?";
    }
  }

  /// The expected proto value of a non-null, resolved, non-struct scalar; nullopt after
  /// recording the row error the rules call for.
  std::optional<Expected> Convert(const std::shared_ptr<arrow::DataType>& type,
                                  const arrow::Scalar& s, const std::string& path) {
    Expected e;
    auto integer = [&](Int128 v, Int128 lo, Int128 hi, RowErrorKind kind,
                       const std::string& what) -> std::optional<Expected> {
      if (v < lo || v > hi) {
        Error(kind, path, what + " " + s.ToString() + " does not fit the proto field");
        return std::nullopt;
      }
      e.kind = Expected::kInt;
      e.integer = v;
      return e;
    };
    switch (type->id()) {
      case arrow::Type::BOOL:
        e.kind = Expected::kBool;
        e.boolean = As<arrow::BooleanScalar>(s).value;
        return e;
      case arrow::Type::INT8:
        return integer(As<arrow::Int8Scalar>(s).value, kInt32Min, kInt32Max,
                       RowErrorKind::kIntegerOverflow, "int8");
      case arrow::Type::INT16:
        return integer(As<arrow::Int16Scalar>(s).value, kInt32Min, kInt32Max,
                       RowErrorKind::kIntegerOverflow, "int16");
      case arrow::Type::INT32:
        return integer(As<arrow::Int32Scalar>(s).value, kInt32Min, kInt32Max,
                       RowErrorKind::kIntegerOverflow, "int32");
      case arrow::Type::UINT8:
        return integer(As<arrow::UInt8Scalar>(s).value, kInt32Min, kInt32Max,
                       RowErrorKind::kIntegerOverflow, "uint8");
      case arrow::Type::UINT16:
        return integer(As<arrow::UInt16Scalar>(s).value, kInt32Min, kInt32Max,
                       RowErrorKind::kIntegerOverflow, "uint16");
      case arrow::Type::INT64:
        return integer(As<arrow::Int64Scalar>(s).value, kInt64Min, kInt64Max,
                       RowErrorKind::kIntegerOverflow, "int64");
      case arrow::Type::UINT32:
        return integer(As<arrow::UInt32Scalar>(s).value, kInt64Min, kInt64Max,
                       RowErrorKind::kIntegerOverflow, "uint32");
      case arrow::Type::UINT64:
        return integer(As<arrow::UInt64Scalar>(s).value, kInt64Min, kInt64Max,
                       RowErrorKind::kIntegerOverflow, "uint64");
      case arrow::Type::DATE32:
        return integer(As<arrow::Date32Scalar>(s).value, kInt32Min, kInt32Max,
                       RowErrorKind::kTimestampOverflow, "date32");
      case arrow::Type::DATE64:
        return integer(FloorDiv(As<arrow::Date64Scalar>(s).value, 86400000), kInt32Min, kInt32Max,
                       RowErrorKind::kTimestampOverflow, "date64 (in days)");
      case arrow::Type::TIMESTAMP:
      case arrow::Type::TIME32:
      case arrow::Type::TIME64:
      case arrow::Type::DURATION: {
        Int128 raw;
        arrow::TimeUnit::type unit;
        if (type->id() == arrow::Type::TIMESTAMP) {
          raw = As<arrow::TimestampScalar>(s).value;
          unit = As<arrow::TimestampType>(*type).unit();
        } else if (type->id() == arrow::Type::TIME32) {
          raw = As<arrow::Time32Scalar>(s).value;
          unit = As<arrow::Time32Type>(*type).unit();
        } else if (type->id() == arrow::Type::TIME64) {
          raw = As<arrow::Time64Scalar>(s).value;
          unit = As<arrow::Time64Type>(*type).unit();
        } else {
          raw = As<arrow::DurationScalar>(s).value;
          unit = As<arrow::DurationType>(*type).unit();
        }
        const Int128 micros = unit == arrow::TimeUnit::NANO ? FloorDiv(raw, 1000)
                                                            : raw * MicrosPerUnitMultiplier(unit);
        return integer(micros, kInt64Min, kInt64Max, RowErrorKind::kTimestampOverflow,
                       type->ToString() + " (in microseconds)");
      }
      case arrow::Type::HALF_FLOAT:
        e.kind = Expected::kFloat;
        e.f = HalfToFloat(As<arrow::HalfFloatScalar>(s).value);
        return e;
      case arrow::Type::FLOAT:
        e.kind = Expected::kFloat;
        e.f = As<arrow::FloatScalar>(s).value;
        return e;
      case arrow::Type::DOUBLE:
        e.kind = Expected::kDouble;
        e.d = As<arrow::DoubleScalar>(s).value;
        return e;
      case arrow::Type::STRING:
      case arrow::Type::LARGE_STRING:
      case arrow::Type::STRING_VIEW: {
        e.kind = Expected::kBytes;
        e.bytes = std::string(As<arrow::BaseBinaryScalar>(s).view());
        if (!IsValidUtf8(e.bytes)) {
          Error(RowErrorKind::kInvalidUtf8, path, "invalid UTF-8 " + Quote(e.bytes));
          return std::nullopt;
        }
        return e;
      }
      case arrow::Type::BINARY:
      case arrow::Type::LARGE_BINARY:
      case arrow::Type::BINARY_VIEW:
      case arrow::Type::FIXED_SIZE_BINARY:
        e.kind = Expected::kBytes;
        e.bytes = std::string(As<arrow::BaseBinaryScalar>(s).view());
        return e;
      case arrow::Type::DECIMAL32:
      case arrow::Type::DECIMAL64:
      case arrow::Type::DECIMAL128:
      case arrow::Type::DECIMAL256: {
        const int32_t scale = As<arrow::DecimalType>(*type).scale();
        std::string digits;
        std::string arrow_text;
        if (type->id() == arrow::Type::DECIMAL32) {
          digits = As<arrow::Decimal32Scalar>(s).value.ToIntegerString();
          arrow_text = As<arrow::Decimal32Scalar>(s).value.ToString(scale);
        } else if (type->id() == arrow::Type::DECIMAL64) {
          digits = As<arrow::Decimal64Scalar>(s).value.ToIntegerString();
          arrow_text = As<arrow::Decimal64Scalar>(s).value.ToString(scale);
        } else if (type->id() == arrow::Type::DECIMAL128) {
          digits = As<arrow::Decimal128Scalar>(s).value.ToIntegerString();
          arrow_text = As<arrow::Decimal128Scalar>(s).value.ToString(scale);
        } else {
          digits = As<arrow::Decimal256Scalar>(s).value.ToIntegerString();
          arrow_text = As<arrow::Decimal256Scalar>(s).value.ToString(scale);
        }
        e.kind = Expected::kBytes;
        e.bytes = DecimalText(digits, scale);
        // Arrow's own formatter agrees wherever it does not switch to an exponent.
        if (arrow_text.find_first_of("eE") == std::string::npos && arrow_text != e.bytes) {
          Mismatch(path, "the oracle's decimal text to agree with arrow's " + Quote(arrow_text),
                   Quote(e.bytes) + " (oracle bug)");
        }
        return e;
      }
      default:
        Mismatch(path, "a supported type", type->ToString());
        return std::nullopt;
    }
  }

  /// One non-null value (singular field when index < 0, else element `index` of a repeated
  /// field) against the message; msg null: only collect errors.
  void CheckValue(const std::shared_ptr<arrow::DataType>& type, const arrow::Scalar& s,
                  const Message* msg, const FieldDescriptor* fd, int index,
                  const std::string& path) {
    if (type->id() == arrow::Type::STRUCT) {
      const auto& st = As<arrow::StructScalar>(s);
      const Message* sub = nullptr;
      if (msg != nullptr) {
        if (fd->type() != FieldDescriptor::TYPE_MESSAGE) {
          Mismatch(path, "a message field for " + type->ToString(),
                   std::string("proto type ") + fd->type_name());
        } else {
          const Reflection* r = msg->GetReflection();
          sub = index < 0 ? &r->GetMessage(*msg, fd) : &r->GetRepeatedMessage(*msg, fd, index);
          CheckNoStrayFields(*sub, As<arrow::StructType>(*type), path);
        }
      }
      for (int k = 0; k < type->num_fields(); ++k) {
        CheckField(*type->field(k), st.value[k], sub, path + "." + type->field(k)->name());
      }
      return;
    }
    const std::optional<Expected> expected = Convert(type, s, path);
    if (!expected.has_value() || msg == nullptr) return;
    const Reflection* r = msg->GetReflection();
    const std::string where = index < 0 ? path : path + "[" + std::to_string(index) + "]";
    switch (expected->kind) {
      case Expected::kBool: {
        const bool got = index < 0 ? r->GetBool(*msg, fd) : r->GetRepeatedBool(*msg, fd, index);
        if (got != expected->boolean) {
          Mismatch(where, expected->boolean ? "true" : "false", got ? "true" : "false");
        }
        return;
      }
      case Expected::kInt: {
        Int128 got;
        if (fd->cpp_type() == FieldDescriptor::CPPTYPE_INT32) {
          got = index < 0 ? r->GetInt32(*msg, fd) : r->GetRepeatedInt32(*msg, fd, index);
        } else if (fd->cpp_type() == FieldDescriptor::CPPTYPE_INT64) {
          got = index < 0 ? r->GetInt64(*msg, fd) : r->GetRepeatedInt64(*msg, fd, index);
        } else {
          Mismatch(where, "an integer field", fd->DebugString());
          return;
        }
        if (got != expected->integer) {
          Mismatch(where, Int128ToString(expected->integer) + " (from Arrow " + s.ToString() + ")",
                   Int128ToString(got));
        }
        return;
      }
      case Expected::kFloat: {
        const float got = index < 0 ? r->GetFloat(*msg, fd) : r->GetRepeatedFloat(*msg, fd, index);
        if (std::memcmp(&got, &expected->f, 4) != 0) {
          Mismatch(where, FloatBits(expected->f), FloatBits(got));
        }
        return;
      }
      case Expected::kDouble: {
        const double got =
            index < 0 ? r->GetDouble(*msg, fd) : r->GetRepeatedDouble(*msg, fd, index);
        if (std::memcmp(&got, &expected->d, 8) != 0) {
          Mismatch(where, DoubleBits(expected->d), DoubleBits(got));
        }
        return;
      }
      case Expected::kBytes: {
        const std::string got =
            index < 0 ? r->GetString(*msg, fd) : r->GetRepeatedString(*msg, fd, index);
        if (got != expected->bytes) Mismatch(where, Quote(expected->bytes), Quote(got));
        return;
      }
    }
  }

 public:
  /// Only fields that belong to an Arrow member may be set; no unknown fields.
  void CheckNoStrayFields(const Message& msg, const arrow::StructType& struct_type,
                          const std::string& path) {
    std::vector<const FieldDescriptor*> set;
    msg.GetReflection()->ListFields(msg, &set);
    for (const FieldDescriptor* f : set) {
      if (struct_type.GetFieldIndex(f->name()) < 0) {
        Mismatch(path.empty() ? "<record>" : path, "only fields of Arrow members set",
                 "field '" + f->name() + "' set");
      }
    }
    const auto& unknown = msg.GetReflection()->GetUnknownFields(msg);
    if (!unknown.empty()) {
      Mismatch(path.empty() ? "<record>" : path, "no unknown fields",
               std::to_string(unknown.field_count()) + " unknown field(s), first number " +
                   std::to_string(unknown.field(0).number()));
    }
  }

 private:
  int64_t row_;
};

}  // namespace

RecordParser::RecordParser(const schema::SchemaPlan& plan)
    : pool_(plan.pool), factory_(std::make_unique<google::protobuf::DynamicMessageFactory>()) {
  if (plan.message == nullptr || pool_ == nullptr) {
    ADD_FAILURE() << "the plan has no descriptor pool or record message";
    return;
  }
  prototype_ = factory_->GetPrototype(plan.message);
}

std::unique_ptr<Message> RecordParser::New() const {
  if (prototype_ == nullptr) return nullptr;
  return std::unique_ptr<Message>(prototype_->New());
}

std::unique_ptr<Message> RecordParser::Parse(std::string_view bytes) const {
  auto message = New();
  if (message == nullptr) return nullptr;
  if (!message->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    auto partial = New();
    const bool partial_ok =
        partial->ParsePartialFromArray(bytes.data(), static_cast<int>(bytes.size()));
    ADD_FAILURE() << "record of " << bytes.size() << " bytes " << Quote(bytes)
                  << " does not parse as " << prototype_->GetDescriptor()->full_name()
                  << (partial_ok
                          ? "; missing required fields: " + partial->InitializationErrorString()
                          : std::string("; malformed wire data"));
    return nullptr;
  }
  return message;
}

std::unique_ptr<Message> ParseRecord(const schema::SchemaPlan& plan, std::string_view bytes) {
  // Parsers (and the pools they pin) live for the process, so their messages can too; a pinned
  // pool also keeps its descriptors' addresses from being reused by another plan.
  static std::mutex mutex;
  static std::map<const Descriptor*, std::unique_ptr<RecordParser>> parsers;
  const RecordParser* parser;
  {
    std::lock_guard<std::mutex> lock(mutex);
    auto& slot = parsers[plan.message];
    if (slot == nullptr) slot = std::make_unique<RecordParser>(plan);
    parser = slot.get();
  }
  return parser->Parse(bytes);
}

std::vector<ExpectedRowError> ExpectedRowErrors(const arrow::RecordBatch& batch, int64_t row) {
  Walker walker(row);
  for (int c = 0; c < batch.num_columns(); ++c) {
    const auto& field = *batch.schema()->field(c);
    walker.CheckField(field, batch.column(c)->GetScalar(row).ValueOrDie(), nullptr, field.name());
  }
  return std::move(walker.errors);
}

::testing::AssertionResult RowMatches(const schema::SchemaPlan& plan,
                                      const arrow::RecordBatch& batch, int64_t row,
                                      const Message& message) {
  if (message.GetDescriptor() != plan.message) {
    return ::testing::AssertionFailure()
           << "row " << row << ": message is a " << message.GetDescriptor()->full_name()
           << ", not the plan's record message";
  }
  Walker walker(row);
  walker.CheckNoStrayFields(message, arrow::StructType(batch.schema()->fields()), "");
  for (int c = 0; c < batch.num_columns(); ++c) {
    const auto& field = *batch.schema()->field(c);
    walker.CheckField(field, batch.column(c)->GetScalar(row).ValueOrDie(), &message, field.name());
  }
  if (walker.errors.empty() && walker.mismatches.empty()) return ::testing::AssertionSuccess();
  auto failure = ::testing::AssertionFailure();
  for (const auto& e : walker.errors) {
    failure << "row " << row << ", column '" << e.column << "': the rules make this row fail ("
            << encode::RowErrorKindName(e.kind) << ": " << e.cause << ") but it was encoded\n";
  }
  for (const auto& m : walker.mismatches) failure << m << "\n";
  failure << "record: {" << message.ShortDebugString() << "}";
  return failure;
}

::testing::AssertionResult EncodedBatchInvariantsHold(const encode::EncodedBatch& encoded,
                                                      int64_t num_rows) {
  auto fail = [&] {
    return ::testing::AssertionFailure() << "EncodedBatch of " << num_rows << " rows: ";
  };
  if (encoded.num_rows != num_rows) return fail() << "num_rows is " << encoded.num_rows;
  if (static_cast<int64_t>(encoded.offsets.size()) != num_rows + 1) {
    return fail() << encoded.offsets.size() << " offsets";
  }
  if (static_cast<int64_t>(encoded.row_failed.size()) != num_rows) {
    return fail() << encoded.row_failed.size() << " row_failed flags";
  }
  if (encoded.offsets[0] != 0) return fail() << "offsets[0] is " << encoded.offsets[0];
  const int64_t arena_size = encoded.arena == nullptr ? 0 : encoded.arena->size();
  if (encoded.offsets[num_rows] != arena_size || encoded.encoded_bytes() != arena_size) {
    return fail() << "last offset " << encoded.offsets[num_rows] << " but arena of " << arena_size
                  << " bytes";
  }
  if (arena_size > 0 && encoded.arena->data() == nullptr) return fail() << "arena has no data";
  int64_t failed = 0;
  for (int64_t i = 0; i < num_rows; ++i) {
    if (encoded.offsets[i + 1] < encoded.offsets[i]) return fail() << "offsets decrease at " << i;
    if (encoded.row_failed[i] > 1) return fail() << "row_failed[" << i << "] is not 0/1";
    if (encoded.failed(i)) {
      ++failed;
      if (!encoded.record(i).empty()) return fail() << "failed row " << i << " has a record";
    }
  }
  if (failed != encoded.failed_count()) {
    return fail() << failed << " rows flagged failed but " << encoded.errors.size() << " errors";
  }
  if (encoded.successful_count() + encoded.failed_count() != num_rows) {
    return fail() << encoded.successful_count() << " successful + " << encoded.failed_count()
                  << " failed";
  }
  for (size_t k = 0; k < encoded.errors.size(); ++k) {
    const auto& e = encoded.errors[k];
    if (e.row < 0 || e.row >= num_rows) return fail() << "error for row " << e.row;
    if (k > 0 && encoded.errors[k - 1].row >= e.row) {
      return fail() << "errors not sorted by row with one per row: row "
                    << encoded.errors[k - 1].row << " then " << e.row;
    }
    if (!encoded.failed(e.row)) return fail() << "error for row " << e.row << " not flagged failed";
    if (e.message.empty()) return fail() << "error for row " << e.row << " has no message";
  }
  return ::testing::AssertionSuccess();
}

namespace {

std::string StripElementMarks(std::string path) {
  std::string out;
  for (size_t i = 0; i < path.size(); ++i) {
    if (path.compare(i, 2, "[]") == 0) {
      ++i;
      if (i + 1 == path.size()) break;  // trailing "[]": the list itself
      out += "[]";
      continue;
    }
    out += path[i];
  }
  return out;
}

std::string TopLevelColumn(const std::string& path) {
  return path.substr(0, path.find_first_of(".["));
}

}  // namespace

::testing::AssertionResult BatchMatchesOracle(const schema::SchemaPlan& plan,
                                              const arrow::RecordBatch& batch,
                                              const encode::EncodedBatch& encoded,
                                              const BatchCheckOptions& options) {
  auto invariants = EncodedBatchInvariantsHold(encoded, batch.num_rows());
  if (!invariants) return invariants;
  RecordParser parser(plan);
  const bool canonical = options.canonical_bytes && !HasMapField(*plan.message);
  std::vector<std::string> problems;
  int total_problems = 0;
  auto problem = [&](std::string text) {
    if (++total_problems <= options.max_reported) problems.push_back(std::move(text));
  };
  for (int64_t row = 0; row < batch.num_rows(); ++row) {
    const std::vector<ExpectedRowError> expected = ExpectedRowErrors(batch, row);
    if (encoded.failed(row)) {
      auto it = std::lower_bound(encoded.errors.begin(), encoded.errors.end(), row,
                                 [](const encode::RowError& e, int64_t r) { return e.row < r; });
      const encode::RowError& actual = *it;
      const std::string what = "row " + std::to_string(row) + " failed with " +
                               std::string(encode::RowErrorKindName(actual.kind)) + " at '" +
                               actual.column + "' (" + actual.message + ")";
      if (expected.empty()) {
        problem(what + ", but the rules make it a valid record");
        continue;
      }
      const bool justified = std::any_of(expected.begin(), expected.end(), [&](const auto& e) {
        return e.kind == actual.kind &&
               StripElementMarks(e.column) == StripElementMarks(actual.column);
      });
      const std::string first_column = TopLevelColumn(expected.front().column);
      if (!justified || TopLevelColumn(actual.column) != first_column) {
        std::string wanted;
        for (const auto& e : expected) {
          wanted += " " + std::string(encode::RowErrorKindName(e.kind)) + " at '" + e.column +
                    "' (" + e.cause + ");";
        }
        problem(what + ", but the rules expect one of:" + wanted +
                " (from the first failing column '" + first_column + "')");
      }
      continue;
    }
    const std::string_view bytes = encoded.record(row);
    if (!expected.empty()) {
      auto message = parser.Parse(bytes);
      problem("row " + std::to_string(row) + " was encoded, but the rules make it fail: " +
              std::string(encode::RowErrorKindName(expected.front().kind)) + " at '" +
              expected.front().column + "' (" + expected.front().cause + "); record: {" +
              (message == nullptr ? std::string("?") : message->ShortDebugString()) + "}");
      continue;
    }
    auto message = parser.Parse(bytes);
    if (message == nullptr) {
      problem("row " + std::to_string(row) + " does not parse");
      continue;
    }
    auto match = RowMatches(plan, batch, row, *message);
    if (!match) {
      problem(match.message());
      continue;
    }
    if (canonical) {
      const std::string reference = message->SerializeAsString();
      if (reference != bytes) {
        problem("row " + std::to_string(row) + ": record bytes " + Quote(bytes) +
                " differ from protobuf's serialization " + Quote(reference));
      }
    }
  }
  if (total_problems == 0) return ::testing::AssertionSuccess();
  auto failure = ::testing::AssertionFailure();
  failure << total_problems << " row(s) disagree with the oracle for batch of " << batch.num_rows()
          << " rows, schema " << batch.schema()->ToString() << ":\n";
  for (const auto& p : problems) failure << "  " << p << "\n";
  return failure;
}

bool HasMapField(const Descriptor& message) {
  std::set<const Descriptor*> seen;
  std::vector<const Descriptor*> todo{&message};
  while (!todo.empty()) {
    const Descriptor* d = todo.back();
    todo.pop_back();
    if (!seen.insert(d).second) continue;
    for (int i = 0; i < d->field_count(); ++i) {
      const FieldDescriptor* f = d->field(i);
      if (f->is_map()) return true;
      if (f->message_type() != nullptr) todo.push_back(f->message_type());
    }
  }
  return false;
}

}  // namespace arrow_zerobus::testing
