#include "encode/table_values.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string_view>
#include <vector>

#include <arrow/array.h>
#include <arrow/builder.h>
#include <arrow/compute/api.h>
#include <arrow/util/decimal.h>
#include <arrow/util/utf8.h>
#include <arrow/util/value_parsing.h>
#include <nlohmann/json.hpp>

#include "encode/array_decoding.h"
#include "encode/canonical_schema.h"
#include "encode/canonical_values.h"
#include "encode/int_conversion.h"
#include "schema/uc_arrow_schema.h"

namespace arrow_zerobus::encode::internal {
namespace {

using ArrayPtr = std::shared_ptr<arrow::Array>;
using arrow::Type;
using FDP = google::protobuf::FieldDescriptorProto;

constexpr int64_t kMicrosPerDay = 86'400'000'000LL;
constexpr int64_t kDecimal128Bytes = 16;

bool IsInteger(Type::type id) {
  switch (id) {
    case Type::INT8:
    case Type::INT16:
    case Type::INT32:
    case Type::INT64:
    case Type::UINT8:
    case Type::UINT16:
    case Type::UINT32:
    case Type::UINT64:
      return true;
    default:
      return false;
  }
}

bool IsFloat(Type::type id) {
  return id == Type::HALF_FLOAT || id == Type::FLOAT || id == Type::DOUBLE;
}

bool IsDecimal(Type::type id) {
  return id == Type::DECIMAL32 || id == Type::DECIMAL64 || id == Type::DECIMAL128 ||
         id == Type::DECIMAL256;
}

bool IsBinary(Type::type id) {
  return id == Type::BINARY || id == Type::LARGE_BINARY || id == Type::BINARY_VIEW ||
         id == Type::FIXED_SIZE_BINARY;
}

/// The table's name of the column's type ("TINYINT", "DECIMAL(10,2)").
std::string TargetName(const arrow::Field& target) {
  const std::string name = schema::TableTypeOf(target);
  return name.empty() ? target.type()->ToString() : name;
}

/// A value as it appears in a message: text quoted and cut to 40 characters.
std::string Quoted(std::string_view text) {
  constexpr size_t kShown = 40;
  if (text.size() <= kShown) return "'" + std::string(text) + "'";
  return "'" + std::string(text.substr(0, kShown)) + "...' (" + std::to_string(text.size()) +
         " bytes)";
}

std::string Int128Text(__int128 v) {
  if (v == 0) return "0";
  const bool negative = v < 0;
  unsigned __int128 magnitude = negative ? -static_cast<unsigned __int128>(v) : v;
  std::string digits;
  while (magnitude > 0) {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(magnitude % 10)));
    magnitude /= 10;
  }
  return negative ? "-" + digits : digits;
}

/// Reads element j of an integer array of any width and signedness.
class IntegerReader {
 public:
  explicit IntegerReader(const arrow::ArrayData& data) : data_(data) {}
  __int128 operator()(int64_t j) const {
    switch (data_.type->id()) {
      case Type::INT8:
        return data_.GetValues<int8_t>(1)[j];
      case Type::INT16:
        return data_.GetValues<int16_t>(1)[j];
      case Type::INT32:
        return data_.GetValues<int32_t>(1)[j];
      case Type::INT64:
        return data_.GetValues<int64_t>(1)[j];
      case Type::UINT8:
        return data_.GetValues<uint8_t>(1)[j];
      case Type::UINT16:
        return data_.GetValues<uint16_t>(1)[j];
      case Type::UINT32:
        return data_.GetValues<uint32_t>(1)[j];
      default:
        return data_.GetValues<uint64_t>(1)[j];
    }
  }

 private:
  const arrow::ArrayData& data_;
};

/// A fixed-width array of `type` holding `values`, with the nulls of `like`.
template <typename T>
Result<ArrayPtr> FixedWidth(std::shared_ptr<arrow::DataType> type, std::vector<T> values,
                            const arrow::Array& like, const std::string& path) {
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(auto bitmap, ValidityFromZero(*like.data(), path));
  const int64_t n = like.length();
  return arrow::MakeArray(arrow::ArrayData::Make(
      std::move(type), n, {std::move(bitmap), arrow::Buffer::FromVector(std::move(values))},
      like.null_count()));
}

arrow::Decimal256 Decimal256FromInt128(__int128 v) {
  const auto low = static_cast<uint64_t>(static_cast<unsigned __int128>(v));
  const auto high = static_cast<uint64_t>(static_cast<unsigned __int128>(v) >> 64);
  const uint64_t sign = v < 0 ? ~uint64_t{0} : 0;
  return arrow::Decimal256(arrow::BasicDecimal256::LittleEndianArray,
                           std::array<uint64_t, 4>{low, high, sign, sign});
}

/// Element j of a decimal array of any width.
arrow::Decimal256 DecimalAt(const arrow::ArrayData& data, int64_t j) {
  const int width = static_cast<const arrow::FixedWidthType&>(*data.type).byte_width();
  const uint8_t* raw = data.GetValues<uint8_t>(1, 0) + (data.offset + j) * width;
  switch (data.type->id()) {
    case Type::DECIMAL32: {
      int32_t v;
      std::memcpy(&v, raw, sizeof(v));
      return Decimal256FromInt128(v);
    }
    case Type::DECIMAL64: {
      int64_t v;
      std::memcpy(&v, raw, sizeof(v));
      return Decimal256FromInt128(v);
    }
    case Type::DECIMAL128:
      return arrow::Decimal256(arrow::BasicDecimal256(arrow::BasicDecimal128(raw)));
    default:
      return arrow::Decimal256(raw);
  }
}

/// Fits a decimal of scale `scale` into DECIMAL(p,s): its 16 bytes, or a failure.
class DecimalFitter {
 public:
  explicit DecimalFitter(const arrow::Field& target)
      : type_(static_cast<const arrow::Decimal128Type&>(*target.type())),
        name_(TargetName(target)) {}

  /// `value` (of `scale`) rescaled; false after reporting the failure.
  bool Fit(const arrow::Decimal256& value, int32_t scale, int64_t j, uint8_t* out,
           std::vector<LeafFailure>* failures) const {
    constexpr int32_t kMaxScale = arrow::Decimal256::kMaxScale;
    const int32_t up = type_.scale() - scale;  // digits the rescale appends (< 0: removes)
    arrow::Decimal256 rescaled;                // zero
    if (value != arrow::Decimal256()) {
      // Checked before Rescale, which reports an overflow as lost digits and can only scale by
      // up to 76 digits (it would read past Arrow's table of powers of ten).
      if (up > 0 && (up >= type_.precision() || !value.FitsInPrecision(type_.precision() - up))) {
        return Overflow(value, scale, j, failures);
      }
      // More than 76 digits down, every digit of a value below 10^76 is beyond the scale.
      arrow::Result<arrow::Decimal256> result = arrow::Status::Invalid("digits beyond the scale");
      if (up >= -kMaxScale) result = value.Rescale(scale, type_.scale());
      if (!result.ok()) {
        failures->push_back({j, RowErrorKind::kPrecisionLoss,
                             "decimal " + Shown(value, scale) + " has digits beyond the scale " +
                                 std::to_string(type_.scale()) + " of " + name_});
        return false;
      }
      if (!result->FitsInPrecision(type_.precision())) return Overflow(value, scale, j, failures);
      rescaled = *result;
    }
    const auto& words = rescaled.little_endian_array();
    arrow::Decimal128(arrow::BasicDecimal128::LittleEndianArray,
                      std::array<uint64_t, 2>{words[0], words[1]})
        .ToBytes(out);
    return true;
  }

 private:
  bool Overflow(const arrow::Decimal256& value, int32_t scale, int64_t j,
                std::vector<LeafFailure>* failures) const {
    failures->push_back({j, RowErrorKind::kDecimalOverflow,
                         "decimal " + Shown(value, scale) + " has more digits than the " +
                             std::to_string(type_.precision()) + " of " + name_});
    return false;
  }

  /// The value as text; in exponent form where Arrow's text cannot show its scale ("1E-90").
  static std::string Shown(const arrow::Decimal256& value, int32_t scale) {
    if (scale >= -arrow::Decimal256::kMaxScale && scale <= arrow::Decimal256::kMaxScale) {
      return value.ToString(scale);
    }
    const int64_t exponent = -static_cast<int64_t>(scale);
    return value.ToString(0) + (exponent > 0 ? "E+" : "E") + std::to_string(exponent);
  }

  const arrow::Decimal128Type& type_;
  std::string name_;
};

// ---- numbers ----

/// The range of a signed integer column type.
std::pair<int64_t, int64_t> IntegerRange(Type::type id) {
  switch (id) {
    case Type::INT8:
      return {INT8_MIN, INT8_MAX};
    case Type::INT16:
      return {INT16_MIN, INT16_MAX};
    case Type::INT32:
      return {INT32_MIN, INT32_MAX};
    default:
      return {INT64_MIN, INT64_MAX};
  }
}

/// The values an integer type holds.
std::pair<__int128, __int128> SourceRange(Type::type id) {
  switch (id) {
    case Type::INT8:
      return {INT8_MIN, INT8_MAX};
    case Type::INT16:
      return {INT16_MIN, INT16_MAX};
    case Type::INT32:
      return {INT32_MIN, INT32_MAX};
    case Type::INT64:
      return {INT64_MIN, INT64_MAX};
    case Type::UINT8:
      return {0, UINT8_MAX};
    case Type::UINT16:
      return {0, UINT16_MAX};
    case Type::UINT32:
      return {0, UINT32_MAX};
    default:
      return {0, UINT64_MAX};
  }
}

template <typename DstT>
Result<ArrayPtr> IntegersToInteger(const ArrayPtr& values, const arrow::Field& target,
                                   const std::string& path, std::vector<LeafFailure>* failures) {
  const auto [lo, hi] = SourceRange(values->type_id());
  if (lo >= std::numeric_limits<DstT>::min() && hi <= std::numeric_limits<DstT>::max()) {
    return CastExact(values, target.type(), path);  // widening: every value fits
  }
  const IntegerReader read(*values->data());
  std::vector<DstT> out(values->length());
  for (int64_t j = 0; j < values->length(); ++j) {
    if (values->IsNull(j)) continue;
    const __int128 v = read(j);
    if (v < std::numeric_limits<DstT>::min() || v > std::numeric_limits<DstT>::max()) {
      failures->push_back({j, RowErrorKind::kIntegerOverflow,
                           values->type()->ToString() + " value " + Int128Text(v) +
                               " is out of range for " + TargetName(target)});
      continue;
    }
    out[j] = static_cast<DstT>(v);
  }
  return FixedWidth(target.type(), std::move(out), *values, path);
}

template <typename DstT>
Result<ArrayPtr> IntegersToFloat(const ArrayPtr& values, const arrow::Field& target,
                                 const std::string& path, std::vector<LeafFailure>* failures) {
  // Every integer up to 2^digits is exact (2^24 in a FLOAT, 2^53 in a DOUBLE).
  const __int128 exact = static_cast<__int128>(1) << std::numeric_limits<DstT>::digits;
  const auto [lo, hi] = SourceRange(values->type_id());
  if (lo >= -exact && hi <= exact) return CastExact(values, target.type(), path);
  const IntegerReader read(*values->data());
  std::vector<DstT> out(values->length());
  for (int64_t j = 0; j < values->length(); ++j) {
    if (values->IsNull(j)) continue;
    const __int128 v = read(j);
    const auto converted = static_cast<DstT>(v);
    // Exact when it converts back: 2^53 + 1 does not survive a DOUBLE, 2^24 + 1 a FLOAT.
    if (std::fabs(static_cast<long double>(converted)) >= 1.8446744073709552e19L ||
        static_cast<__int128>(static_cast<long double>(converted)) != v) {
      failures->push_back({j, RowErrorKind::kPrecisionLoss,
                           values->type()->ToString() + " value " + Int128Text(v) +
                               " is not exactly representable as " + TargetName(target)});
      continue;
    }
    out[j] = converted;
  }
  return FixedWidth(target.type(), std::move(out), *values, path);
}

Result<ArrayPtr> ToDecimal(const ArrayPtr& values, const arrow::Field& target,
                           const std::string& path, std::vector<LeafFailure>* failures) {
  const DecimalFitter fitter(target);
  const arrow::ArrayData& data = *values->data();
  const bool integers = IsInteger(values->type_id());
  const int32_t scale =
      integers ? 0 : static_cast<const arrow::DecimalType&>(*values->type()).scale();
  const IntegerReader read(data);
  std::vector<uint8_t> out(values->length() * kDecimal128Bytes);
  for (int64_t j = 0; j < values->length(); ++j) {
    if (values->IsNull(j)) continue;
    const arrow::Decimal256 value = integers ? Decimal256FromInt128(read(j)) : DecimalAt(data, j);
    fitter.Fit(value, scale, j, &out[j * kDecimal128Bytes], failures);
  }
  return FixedWidth(target.type(), std::move(out), *values, path);
}

// ---- dates and times ----

/// Timestamps (any unit) as microseconds since the epoch: of UTC, or of the local wall clock of
/// their zone when `local`. Values that overflow fail.
Result<std::vector<int64_t>> TimestampMicros(const ArrayPtr& values, bool local,
                                             const std::string& target_name,
                                             const std::string& path,
                                             std::vector<LeafFailure>* failures) {
  const auto& type = static_cast<const arrow::TimestampType&>(*values->type());
  const IntConversion conversion = IntConversionFor(type, FDP::TYPE_INT64);
  const int64_t* in = values->data()->GetValues<int64_t>(1);
  std::vector<int64_t> micros(values->length());
  for (int64_t j = 0; j < values->length(); ++j) {
    if (values->IsNull(j)) continue;
    micros[j] = static_cast<int64_t>(ConvertInteger(conversion, in[j], [&](auto kind, auto&& why) {
      failures->push_back({j, kind, why() + " (" + target_name + ")"});
    }));
  }
  const std::string& zone = type.timezone();
  if (!local || zone.empty() || zone == "UTC" || zone == "Z" || zone == "+00:00") return micros;
  // The wall clock of the zone, by Arrow's time zone database.
  auto zoned = arrow::MakeArray(
      arrow::ArrayData::Make(arrow::timestamp(arrow::TimeUnit::MICRO, zone), values->length(),
                             {nullptr, arrow::Buffer::FromVector(micros)}, 0));
  EnsureComputeInitialized();
  auto wall = arrow::compute::CallFunction("local_timestamp", {zoned});
  if (!wall.ok()) {
    return FromArrow(wall.status(), path,
                     "reading timestamps of zone '" + zone + "' as local time");
  }
  const ArrayPtr wall_array = wall->make_array();  // held: the cast below refers into it
  const auto& local_values = static_cast<const arrow::TimestampArray&>(*wall_array);
  std::vector<int64_t> wall_clock(local_values.raw_values(),
                                  local_values.raw_values() + local_values.length());
  // A zone's offset is less than a day: a larger shift is a local time beyond 64 bits of
  // microseconds, which Arrow wraps around.
  for (int64_t j = 0; j < values->length(); ++j) {
    if (values->IsNull(j)) continue;
    const __int128 shift = static_cast<__int128>(wall_clock[j]) - micros[j];
    if (shift > kMicrosPerDay || shift < -kMicrosPerDay) {
      failures->push_back({j, RowErrorKind::kTimestampOverflow,
                           type.ToString() + " value " + std::to_string(in[j]) +
                               " overflows a 64-bit count of microseconds in the local time of '" +
                               zone + "' (" + target_name + ")"});
    }
  }
  return wall_clock;
}

int64_t FloorDiv(int64_t value, int64_t divisor) {
  int64_t q = value / divisor;
  if (value % divisor != 0 && value < 0) --q;
  return q;
}

// Delta's DATE and TIMESTAMP hold the years 1 to 9999; the service refuses a value outside.
constexpr int64_t kMinDay = -719162;  // 0001-01-01
constexpr int64_t kMaxDay = 2932896;  // 9999-12-31
constexpr int64_t kMinMicros = kMinDay * kMicrosPerDay;
constexpr int64_t kMaxMicros = (kMaxDay + 1) * kMicrosPerDay - 1;

/// Fails each value of a present element of `like` whose `converted[j]` lies outside the years
/// DATE and TIMESTAMP hold; `describe(j)` names the element's own value.
template <typename T, typename Describe>
void CheckDeltaRange(const T* converted, const arrow::Array& like, bool days,
                     const arrow::Field& target, Describe&& describe,
                     std::vector<LeafFailure>* failures) {
  const int64_t lo = days ? kMinDay : kMinMicros;
  const int64_t hi = days ? kMaxDay : kMaxMicros;
  for (int64_t j = 0; j < like.length(); ++j) {
    const int64_t v = converted[j];
    if ((v < lo || v > hi) && !like.IsNull(j)) {
      failures->push_back({j, RowErrorKind::kTimestampOverflow,
                           describe(j) + " is outside the range of " + TargetName(target) +
                               ", 0001-01-01 to 9999-12-31"});
    }
  }
}

/// "timestamp[s] value 42": element j of an integer-like temporal array, as its message names it.
std::string TemporalValue(const arrow::Array& values, int64_t j) {
  const __int128 raw = values.type_id() == Type::DATE32 ? values.data()->GetValues<int32_t>(1)[j]
                                                        : values.data()->GetValues<int64_t>(1)[j];
  return values.type()->ToString() + " value " + Int128Text(raw);
}

Result<ArrayPtr> ToDate(const ArrayPtr& values, const arrow::Field& target, const std::string& path,
                        std::vector<LeafFailure>* failures) {
  const auto describe = [&](int64_t j) { return TemporalValue(*values, j); };
  if (values->type_id() == Type::DATE32) {
    CheckDeltaRange(values->data()->GetValues<int32_t>(1), *values, /*days=*/true, target, describe,
                    failures);
    return values;
  }
  std::vector<int32_t> days(values->length());
  if (values->type_id() == Type::DATE64) {  // whole days of milliseconds
    const int64_t* millis = values->data()->GetValues<int64_t>(1);
    for (int64_t j = 0; j < values->length(); ++j) {
      const int64_t day = FloorDiv(millis[j], kMicrosPerDay / 1000);
      days[j] = static_cast<int32_t>(std::clamp<int64_t>(day, INT32_MIN, INT32_MAX));
    }
  } else {  // timestamps, at their local day
    ARROW_ZEROBUS_ASSIGN_OR_RETURN(
        std::vector<int64_t> micros,
        TimestampMicros(values, /*local=*/true, TargetName(target), path, failures));
    for (size_t j = 0; j < micros.size(); ++j) {
      days[j] = static_cast<int32_t>(FloorDiv(micros[j], kMicrosPerDay));
    }
  }
  CheckDeltaRange(days.data(), *values, /*days=*/true, target, describe, failures);
  return FixedWidth(target.type(), std::move(days), *values, path);
}

Result<ArrayPtr> ToTimestamp(const ArrayPtr& values, const arrow::Field& target,
                             const std::string& path, std::vector<LeafFailure>* failures) {
  const auto describe = [&](int64_t j) { return TemporalValue(*values, j); };
  if (values->type()->Equals(*target.type())) {  // nothing to convert: only the range to check
    CheckDeltaRange(values->data()->GetValues<int64_t>(1), *values, /*days=*/false, target,
                    describe, failures);
    return values;
  }
  const bool ntz = static_cast<const arrow::TimestampType&>(*target.type()).timezone().empty();
  std::vector<int64_t> micros;
  if (values->type_id() == Type::TIMESTAMP) {
    ARROW_ZEROBUS_ASSIGN_OR_RETURN(
        micros, TimestampMicros(values, /*local=*/ntz, TargetName(target), path, failures));
  } else {  // dates: midnight (UTC for TIMESTAMP)
    const bool days = values->type_id() == Type::DATE32;
    const __int128 scale = days ? kMicrosPerDay : 1000;
    micros.resize(values->length());
    for (int64_t j = 0; j < values->length(); ++j) {
      if (values->IsNull(j)) continue;
      const __int128 raw = days ? values->data()->GetValues<int32_t>(1)[j]
                                : values->data()->GetValues<int64_t>(1)[j];
      const __int128 v = raw * scale;
      // Beyond 64 bits is beyond 9999 too: clamped, the range check below reports it.
      micros[j] = static_cast<int64_t>(std::clamp<__int128>(v, INT64_MIN, INT64_MAX));
    }
  }
  CheckDeltaRange(micros.data(), *values, /*days=*/false, target, describe, failures);
  return FixedWidth(target.type(), std::move(micros), *values, path);
}

// ---- text ----

std::string_view TrimmedAscii(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

Result<ArrayPtr> ParseText(const ArrayPtr& values, const arrow::Field& target,
                           const std::string& path, std::vector<LeafFailure>* failures) {
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(auto text, ConvertLeaf(values, arrow::large_utf8(), path));
  const auto& strings = static_cast<const arrow::LargeStringArray&>(*text);
  const int64_t n = strings.length();
  const std::string name = TargetName(target);
  auto fail = [&](int64_t j, std::string_view v, const std::string& why = "") {
    failures->push_back(
        {j, RowErrorKind::kNotConvertible,
         "text " + Quoted(v) + " is not a valid " + name + (why.empty() ? "" : ": " + why)});
  };
  using arrow::internal::ParseValue;
  const Type::type id = target.type()->id();
  switch (id) {
    case Type::INT8:
    case Type::INT16:
    case Type::INT32:
    case Type::INT64: {
      const auto [lo, hi] = IntegerRange(id);
      std::vector<int64_t> parsed(n);
      for (int64_t j = 0; j < n; ++j) {
        if (strings.IsNull(j)) continue;
        const std::string_view v = TrimmedAscii(strings.GetView(j));
        int64_t value = 0;
        if (!ParseValue<arrow::Int64Type>(v.data(), v.size(), &value)) {
          fail(j, v);
        } else if (value < lo || value > hi) {
          failures->push_back({j, RowErrorKind::kIntegerOverflow,
                               "text " + Quoted(v) + " is out of range for " + name});
        } else {
          parsed[j] = value;
        }
      }
      // Every value left is in range (failed ones are 0): the cast is exact.
      ARROW_ZEROBUS_ASSIGN_OR_RETURN(auto wide,
                                     FixedWidth(arrow::int64(), std::move(parsed), *text, path));
      return CastExact(wide, target.type(), path);
    }
    case Type::FLOAT:
    case Type::DOUBLE: {
      std::vector<double> parsed(n);
      for (int64_t j = 0; j < n; ++j) {
        if (strings.IsNull(j)) continue;
        const std::string_view v = TrimmedAscii(strings.GetView(j));
        if (!ParseValue<arrow::DoubleType>(v.data(), v.size(), &parsed[j])) fail(j, v);
      }
      if (id == Type::DOUBLE) return FixedWidth(target.type(), std::move(parsed), *text, path);
      std::vector<float> narrow(n);
      for (int64_t j = 0; j < n; ++j) {
        narrow[j] = static_cast<float>(parsed[j]);
        if (std::isfinite(parsed[j]) && !std::isfinite(narrow[j])) {
          failures->push_back({j, RowErrorKind::kPrecisionLoss,
                               "text " + Quoted(TrimmedAscii(strings.GetView(j))) +
                                   " is beyond the range of " + name});
        }
      }
      return FixedWidth(target.type(), std::move(narrow), *text, path);
    }
    case Type::BOOL: {
      arrow::BooleanBuilder builder;
      arrow::Status st = builder.Reserve(n);
      for (int64_t j = 0; j < n && st.ok(); ++j) {
        bool value = false;
        if (!strings.IsNull(j)) {
          const std::string_view v = TrimmedAscii(strings.GetView(j));
          if (!ParseValue<arrow::BooleanType>(v.data(), v.size(), &value)) fail(j, v);
        }
        st = strings.IsNull(j) ? builder.AppendNull() : builder.Append(value);
      }
      std::shared_ptr<arrow::Array> out;
      if (st.ok()) st = builder.Finish(&out);
      if (!st.ok()) return FromArrow(st, path, "building booleans");
      return out;
    }
    case Type::DATE32: {
      std::vector<int32_t> days(n);
      for (int64_t j = 0; j < n; ++j) {
        if (strings.IsNull(j)) continue;
        const std::string_view v = TrimmedAscii(strings.GetView(j));
        if (!ParseValue<arrow::Date32Type>(v.data(), v.size(), &days[j])) {
          days[j] = 0;
          fail(j, v, "DATE text is YYYY-MM-DD");
        }
      }
      CheckDeltaRange(
          days.data(), strings, /*days=*/true, target,
          [&](int64_t j) { return "text " + Quoted(strings.GetView(j)); }, failures);
      return FixedWidth(target.type(), std::move(days), *text, path);
    }
    case Type::TIMESTAMP: {
      const bool ntz = static_cast<const arrow::TimestampType&>(*target.type()).timezone().empty();
      std::vector<int64_t> micros(n);
      for (int64_t j = 0; j < n; ++j) {
        if (strings.IsNull(j)) continue;
        const std::string_view v = TrimmedAscii(strings.GetView(j));
        bool zoned = false;
        if (!arrow::internal::ParseTimestampISO8601(v.data(), v.size(), arrow::TimeUnit::MICRO,
                                                    &micros[j], &zoned)) {
          micros[j] = 0;
          fail(j, v, "ISO 8601 text is YYYY-MM-DD[THH:MM[:SS[.ffffff]]][Z|+HH:MM]");
        } else if (ntz && zoned) {
          fail(j, v, "it names a UTC offset, and TIMESTAMP_NTZ holds local times without one");
        }
      }
      CheckDeltaRange(
          micros.data(), strings, /*days=*/false, target,
          [&](int64_t j) { return "text " + Quoted(strings.GetView(j)); }, failures);
      return FixedWidth(target.type(), std::move(micros), *text, path);
    }
    case Type::DECIMAL128: {
      const DecimalFitter fitter(target);
      std::vector<uint8_t> out(n * kDecimal128Bytes);
      for (int64_t j = 0; j < n; ++j) {
        if (strings.IsNull(j)) continue;
        const std::string_view v = TrimmedAscii(strings.GetView(j));
        arrow::Decimal256 value;
        int32_t precision = 0;
        int32_t scale = 0;
        if (!arrow::Decimal256::FromString(v, &value, &precision, &scale).ok()) {
          fail(j, v);
          continue;
        }
        fitter.Fit(value, scale, j, &out[j * kDecimal128Bytes], failures);
      }
      return FixedWidth(target.type(), std::move(out), *text, path);
    }
    default:
      return InternalError("column '" + path + "': no parser for " + name);
  }
}

/// Text for a VARIANT column: UTF-8 holding one JSON value.
Result<ArrayPtr> ToVariant(const ArrayPtr& values, const std::string& path,
                           std::vector<LeafFailure>* failures) {
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(auto text, ConvertLeaf(values, arrow::large_utf8(), path));
  const auto& strings = static_cast<const arrow::LargeStringArray&>(*text);
  bool invalid_utf8 = false;
  for (int64_t j = 0; j < strings.length(); ++j) {
    if (strings.IsNull(j)) continue;
    const std::string_view v = strings.GetView(j);
    if (!arrow::util::ValidateUTF8(reinterpret_cast<const uint8_t*>(v.data()),
                                   static_cast<int64_t>(v.size()))) {
      failures->push_back({j, RowErrorKind::kInvalidUtf8, InvalidUtf8Cause(v.size())});
      invalid_utf8 = true;
    } else if (!nlohmann::json::accept(v)) {
      failures->push_back({j, RowErrorKind::kNotConvertible,
                           "text " + Quoted(v) + " is not JSON, which a VARIANT column holds"});
    }
  }
  if (!invalid_utf8) return text;
  // Such a value fails its row, or lies outside every row (under a null struct or list), where
  // nothing reads it but it would make the fitted batch invalid Arrow data: made empty either way.
  const std::vector<uint8_t> outside_every_row(strings.length(), 0);
  return ClearHiddenInvalidText(text, outside_every_row.data(), path);
}

/// A zoned timestamp read as local time (TIMESTAMP_NTZ, DATE) needs a zone Arrow's time zone
/// database knows: checked once here, rather than failing every batch.
Status CheckZoneKnown(const arrow::TimestampType& source, const arrow::Field& target,
                      const std::string& path) {
  const std::string& zone = source.timezone();
  const bool local = target.type()->id() == Type::DATE32 ||
                     static_cast<const arrow::TimestampType&>(*target.type()).timezone().empty();
  if (!local || zone.empty()) return Status::OK();
  EnsureComputeInitialized();
  auto empty = arrow::MakeArrayOfNull(arrow::timestamp(arrow::TimeUnit::MICRO, zone), 1);
  if (!empty.ok()) return FromArrow(empty.status(), path, "checking time zone '" + zone + "'");
  auto wall = arrow::compute::CallFunction("local_timestamp", {*empty});
  if (wall.ok()) return Status::OK();
  return ConfigurationError("column '" + path + "' has Arrow type " + source.ToString() +
                            ", whose time zone '" + zone +
                            "' is unknown to Arrow's time zone database, so its local time for "
                            "the table's " +
                            TargetName(target) + " cannot be known: " + wall.status().message());
}

}  // namespace

Status CheckLeafFits(const arrow::DataType& source, const arrow::Field& target,
                     const TableFitOptions& options, const std::string& path) {
  const Type::type from = source.id();
  auto refuse = [&](const std::string& hint) {
    return ConfigurationError("column '" + path + "' has Arrow type " + source.ToString() +
                              ", which does not convert to the table's " + TargetName(target) +
                              (hint.empty() ? "" : "; " + hint));
  };
  const bool text = IsText(from);
  if (schema::IsVariantField(target)) {
    return text ? Status::OK() : refuse("a VARIANT column takes JSON text");
  }
  const Type::type to = target.type()->id();
  const bool parses = to != Type::LARGE_STRING && to != Type::LARGE_BINARY;
  if (from == Type::TIMESTAMP && (to == Type::DATE32 || to == Type::TIMESTAMP)) {
    ARROW_ZEROBUS_RETURN_NOT_OK(
        CheckZoneKnown(static_cast<const arrow::TimestampType&>(source), target, path));
  }
  if (text && parses) {
    return options.parse_strings ? Status::OK() : refuse("set parse_strings to parse text into it");
  }
  bool ok = false;
  std::string hint;
  switch (to) {
    case Type::INT8:
    case Type::INT16:
    case Type::INT32:
    case Type::INT64:
      ok = IsInteger(from);
      break;
    case Type::FLOAT:
      ok = IsInteger(from) || from == Type::HALF_FLOAT || from == Type::FLOAT;
      if (from == Type::DOUBLE) hint = "cast the column to float32 if losing precision is intended";
      break;
    case Type::DOUBLE:
      ok = IsInteger(from) || IsFloat(from);
      break;
    case Type::BOOL:
      ok = from == Type::BOOL;
      break;
    case Type::LARGE_STRING:
      ok = text;
      if (IsBinary(from)) hint = "decode the bytes to text (utf8) first";
      break;
    case Type::LARGE_BINARY:
      ok = IsBinary(from) || text;
      break;
    case Type::DATE32:
      // A date64 is a whole day (Arrow's validation refuses one that is not); a timestamp has a
      // time of day to lose.
      ok = from == Type::DATE32 || from == Type::DATE64 ||
           (from == Type::TIMESTAMP && options.truncate_to_date);
      if (from == Type::TIMESTAMP) hint = "set truncate_to_date to keep only the day";
      break;
    case Type::TIMESTAMP:
      ok = from == Type::TIMESTAMP || from == Type::DATE32 || from == Type::DATE64;
      break;
    case Type::DECIMAL128:
      ok = IsDecimal(from) || IsInteger(from);
      if (IsFloat(from)) hint = "floating-point values are not exact decimals; cast them first";
      break;
    default:
      break;
  }
  return ok ? Status::OK() : refuse(hint);
}

bool TableLeafRules::Handles(const std::shared_ptr<arrow::DataType>& source,
                             const arrow::Field& target) const {
  if (schema::IsVariantField(target)) return true;
  // uint64 -> BIGINT too, though its canonical type is int64: the canonical cast's overflow error
  // names the protobuf type ("int64 field"), these name the table's ("BIGINT").
  if (source->id() == Type::UINT64) return true;
  // DATE and TIMESTAMP values are checked against the years Delta holds (1 to 9999).
  if (target.type()->id() == Type::DATE32 || target.type()->id() == Type::TIMESTAMP) return true;
  if (source->Equals(*target.type())) return false;
  // What the canonical cast makes of the values is already the column's type.
  auto canonical = CanonicalValueType(source, "");
  return !canonical.ok() || !(*canonical)->Equals(*target.type());
}

Result<ArrayPtr> TableLeafRules::Convert(const ArrayPtr& values, const arrow::Field& target,
                                         const std::string& path,
                                         std::vector<LeafFailure>* failures) const {
  const Type::type from = values->type_id();  // never the null type: Align gave it the column's
  if (schema::IsVariantField(target)) return ToVariant(values, path, failures);
  const Type::type to = target.type()->id();
  if (IsText(from) && to != Type::LARGE_STRING && to != Type::LARGE_BINARY) {
    return ParseText(values, target, path, failures);
  }
  switch (to) {
    case Type::INT8:
      return IntegersToInteger<int8_t>(values, target, path, failures);
    case Type::INT16:
      return IntegersToInteger<int16_t>(values, target, path, failures);
    case Type::INT32:
      return IntegersToInteger<int32_t>(values, target, path, failures);
    case Type::INT64:
      return IntegersToInteger<int64_t>(values, target, path, failures);
    case Type::FLOAT:
      if (IsInteger(from)) return IntegersToFloat<float>(values, target, path, failures);
      return CastExact(values, target.type(), path);
    case Type::DOUBLE:
      if (IsInteger(from)) return IntegersToFloat<double>(values, target, path, failures);
      return CastExact(values, target.type(), path);
    case Type::LARGE_BINARY: {
      ARROW_ZEROBUS_ASSIGN_OR_RETURN(auto text, ConvertLeaf(values, arrow::large_utf8(), path));
      return Relabel(text, arrow::large_binary());
    }
    case Type::DATE32:
      return ToDate(values, target, path, failures);
    case Type::TIMESTAMP:
      return ToTimestamp(values, target, path, failures);
    case Type::DECIMAL128:
      return ToDecimal(values, target, path, failures);
    default:
      return InternalError("column '" + path + "': no conversion of " + values->type()->ToString() +
                           " to " + TargetName(target));
  }
}

}  // namespace arrow_zerobus::encode::internal
