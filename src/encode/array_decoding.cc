#include "encode/array_decoding.h"

#include <mutex>

#include <arrow/array/concatenate.h>
#include <arrow/array/validate.h>
#include <arrow/builder.h>
#include <arrow/compute/api.h>
#include <arrow/extension_type.h>
#include <arrow/type.h>
#include <arrow/util/align_util.h>
#include <arrow/util/bitmap_ops.h>

#include "schema/type_table.h"

namespace arrow_zerobus::encode::internal {
std::shared_ptr<arrow::DataType> WithChildFields(
    const arrow::DataType& type, const std::vector<std::shared_ptr<arrow::Field>>& fields) {
  switch (type.id()) {
    case arrow::Type::STRUCT:
      return arrow::struct_(fields);
    case arrow::Type::LIST:
      return arrow::list(fields[0]);
    case arrow::Type::LARGE_LIST:
      return arrow::large_list(fields[0]);
    case arrow::Type::LIST_VIEW:
      return arrow::list_view(fields[0]);
    case arrow::Type::LARGE_LIST_VIEW:
      return arrow::large_list_view(fields[0]);
    case arrow::Type::FIXED_SIZE_LIST:
      return arrow::fixed_size_list(fields[0],
                                    static_cast<const arrow::FixedSizeListType&>(type).list_size());
    case arrow::Type::MAP: {
      const auto& entries = fields[0]->type();
      return std::make_shared<arrow::MapType>(
          entries->field(0), entries->field(1),
          static_cast<const arrow::MapType&>(type).keys_sorted());
    }
    case arrow::Type::RUN_END_ENCODED:
      return arrow::run_end_encoded(fields[0]->type(), fields[1]->type());
    default:
      return type.GetSharedPtr();  // unions and others are refused when the schema is planned
  }
}

namespace {

/// The type with every string type replaced by the binary type of the same layout.
std::shared_ptr<arrow::DataType> StringsAsBinary(const std::shared_ptr<arrow::DataType>& type) {
  switch (type->id()) {
    case arrow::Type::STRING:
      return arrow::binary();
    case arrow::Type::LARGE_STRING:
      return arrow::large_binary();
    case arrow::Type::STRING_VIEW:
      return arrow::binary_view();
    case arrow::Type::DICTIONARY: {
      const auto& dict = static_cast<const arrow::DictionaryType&>(*type);
      return arrow::dictionary(dict.index_type(), StringsAsBinary(dict.value_type()),
                               dict.ordered());
    }
    case arrow::Type::EXTENSION:
      return StringsAsBinary(static_cast<const arrow::ExtensionType&>(*type).storage_type());
    default:
      break;
  }
  if (type->num_fields() == 0) return type;
  std::vector<std::shared_ptr<arrow::Field>> fields;
  for (const auto& f : type->fields()) fields.push_back(f->WithType(StringsAsBinary(f->type())));
  return WithChildFields(*type, fields);
}

std::shared_ptr<arrow::ArrayData> WithStringsAsBinary(const arrow::ArrayData& data) {
  auto copy = std::make_shared<arrow::ArrayData>(data);
  copy->type = StringsAsBinary(data.type);
  for (auto& child : copy->child_data) child = WithStringsAsBinary(*child);
  if (copy->dictionary) copy->dictionary = WithStringsAsBinary(*copy->dictionary);
  return copy;
}

Status FromArrow(const arrow::Status& status, const std::string& column, const char* action) {
  return ConversionError("column '" + column + "': " + action + " failed: " + status.ToString());
}

/// Values Arrow can gather with Take: view arrays are cast to their large counterparts.
Result<std::shared_ptr<arrow::Array>> GatherableValues(const std::shared_ptr<arrow::Array>& values,
                                                       const std::string& column) {
  const auto target = schema::DecodedValueType(values->type());
  if (target->Equals(*values->type())) return values;
  auto cast = arrow::compute::Cast(*values, target);
  if (!cast.ok()) return FromArrow(cast.status(), column, "converting view values");
  return *cast;
}

int64_t RunEndAt(const arrow::Array& run_ends, int64_t run) {
  switch (run_ends.type_id()) {
    case arrow::Type::INT16:
      return static_cast<const arrow::Int16Array&>(run_ends).Value(run);
    case arrow::Type::INT32:
      return static_cast<const arrow::Int32Array&>(run_ends).Value(run);
    default:
      return static_cast<const arrow::Int64Array&>(run_ends).Value(run);
  }
}

/// For each logical position of a run-end encoded array, the index of its value.
Result<std::shared_ptr<arrow::Array>> RunEndIndices(const arrow::RunEndEncodedArray& ree,
                                                    const std::string& column) {
  const arrow::Array& run_ends = *ree.run_ends();
  arrow::Int64Builder indices;
  if (auto st = indices.Reserve(ree.length()); !st.ok()) {
    return FromArrow(st, column, "decoding run-end encoding");
  }
  const int64_t end = ree.offset() + ree.length();
  int64_t run = ree.FindPhysicalOffset();
  for (int64_t position = ree.offset(); position < end; ++position) {
    while (RunEndAt(run_ends, run) <= position) ++run;  // validated: run ends increase
    indices.UnsafeAppend(run);
  }
  std::shared_ptr<arrow::Array> out;
  if (auto st = indices.Finish(&out); !st.ok()) {
    return FromArrow(st, column, "decoding run-end encoding");
  }
  return out;
}

/// A list view as a plain list: each row's elements copied in row order (views may share or
/// reorder elements, which a plain list cannot). Rows whose views follow each other are copied
/// as one range, so a list view made from a list costs one copy. Arrow 26's own cast drops the
/// last row, and its take kernels lack view and run-end types, so ranges are concatenated.
template <typename ViewArray, typename OffsetT>
Result<std::shared_ptr<arrow::Array>> ListViewToList(const arrow::Array& array,
                                                     const std::string& column) {
  const auto& view = static_cast<const ViewArray&>(array);
  const int64_t n = view.length();
  std::vector<OffsetT> offsets(n + 1, 0);
  arrow::ArrayVector ranges;
  int64_t range_start = 0;
  int64_t range_end = 0;
  for (int64_t i = 0; i < n; ++i) {
    const int64_t size = view.IsNull(i) ? 0 : view.value_length(i);
    offsets[i + 1] = static_cast<OffsetT>(offsets[i] + size);
    if (size == 0) continue;
    const int64_t start = view.value_offset(i);
    if (start != range_end || range_end == range_start) {
      if (range_end > range_start) {
        ranges.push_back(view.values()->Slice(range_start, range_end - range_start));
      }
      range_start = start;
    }
    range_end = start + size;
  }
  if (range_end > range_start) {
    ranges.push_back(view.values()->Slice(range_start, range_end - range_start));
  }
  std::shared_ptr<arrow::Array> values;
  if (ranges.empty()) {
    values = view.values()->Slice(0, 0);
  } else if (ranges.size() == 1) {
    values = ranges[0];
  } else {
    auto joined = arrow::Concatenate(ranges);
    if (!joined.ok()) return FromArrow(joined.status(), column, "converting the list view");
    values = std::move(*joined);
  }
  std::shared_ptr<arrow::Buffer> validity;
  if (view.null_count() != 0) {
    auto copied = arrow::internal::CopyBitmap(arrow::default_memory_pool(), view.null_bitmap_data(),
                                              view.offset(), n);
    if (!copied.ok()) return FromArrow(copied.status(), column, "converting the list view");
    validity = std::move(*copied);
  }
  const auto element = view.type()->field(0);
  auto type = std::is_same_v<OffsetT, int32_t> ? arrow::list(element) : arrow::large_list(element);
  return arrow::MakeArray(arrow::ArrayData::Make(
      std::move(type), n, {validity, arrow::Buffer::FromVector(std::move(offsets))},
      {values->data()}, view.null_count()));
}

}  // namespace

void EnsureComputeInitialized() {
  static std::once_flag once;
  std::call_once(once, [] { (void)arrow::compute::Initialize(); });
}

Status ValidateStructure(const arrow::Array& array, const std::string& column) {
  // Validated as ArrayData: making an Array of malformed data can abort the process (a map's
  // constructor checks its keys with ARROW_CHECK).
  const arrow::Status st = arrow::internal::ValidateArrayFull(*WithStringsAsBinary(*array.data()));
  if (!st.ok()) {
    return ConversionError("column '" + column + "' is not valid Arrow data: " + st.message());
  }
  return Status::OK();
}

Result<std::shared_ptr<arrow::Array>> AlignBuffers(const std::shared_ptr<arrow::Array>& array,
                                                   const std::string& column) {
  if (arrow::util::CheckAlignment(*array, arrow::util::kValueAlignment)) return array;
  auto aligned = arrow::util::EnsureAlignment(array, arrow::util::kValueAlignment,
                                              arrow::default_memory_pool());
  if (!aligned.ok()) return FromArrow(aligned.status(), column, "aligning its buffers");
  return std::move(aligned).ValueUnsafe();
}

Result<std::shared_ptr<arrow::Array>> DecodeArray(const std::shared_ptr<arrow::Array>& array,
                                                  const std::string& column) {
  const arrow::DataType& type = *array->type();
  if (!schema::NeedsDecoding(type)) return array;
  EnsureComputeInitialized();
  switch (type.id()) {
    case arrow::Type::DICTIONARY: {
      const auto& dict = static_cast<const arrow::DictionaryArray&>(*array);
      ARROW_ZEROBUS_ASSIGN_OR_RETURN(auto values, GatherableValues(dict.dictionary(), column));
      auto taken = arrow::compute::Take(*values, *dict.indices());
      if (!taken.ok()) return FromArrow(taken.status(), column, "decoding the dictionary");
      return DecodeArray(*taken, column);
    }
    case arrow::Type::RUN_END_ENCODED: {
      const auto& ree = static_cast<const arrow::RunEndEncodedArray&>(*array);
      ARROW_ZEROBUS_ASSIGN_OR_RETURN(auto values, GatherableValues(ree.values(), column));
      ARROW_ZEROBUS_ASSIGN_OR_RETURN(auto indices, RunEndIndices(ree, column));
      auto taken = arrow::compute::Take(*values, *indices);
      if (!taken.ok()) return FromArrow(taken.status(), column, "decoding run-end encoding");
      return DecodeArray(*taken, column);
    }
    case arrow::Type::EXTENSION:
      return DecodeArray(static_cast<const arrow::ExtensionArray&>(*array).storage(), column);
    case arrow::Type::LIST_VIEW: {
      ARROW_ZEROBUS_ASSIGN_OR_RETURN(
          auto list, (ListViewToList<arrow::ListViewArray, int32_t>(*array, column)));
      return DecodeArray(list, column);
    }
    case arrow::Type::LARGE_LIST_VIEW: {
      ARROW_ZEROBUS_ASSIGN_OR_RETURN(
          auto list, (ListViewToList<arrow::LargeListViewArray, int64_t>(*array, column)));
      return DecodeArray(list, column);
    }
    case arrow::Type::STRUCT:
    case arrow::Type::LIST:
    case arrow::Type::LARGE_LIST:
    case arrow::Type::FIXED_SIZE_LIST:
    case arrow::Type::MAP: {
      // Children are decoded whole (unsliced), so the parent keeps its own offset and length.
      const arrow::ArrayData& data = *array->data();
      std::vector<std::shared_ptr<arrow::ArrayData>> children;
      std::vector<std::shared_ptr<arrow::Field>> fields;
      for (size_t k = 0; k < data.child_data.size(); ++k) {
        const auto& field = type.field(static_cast<int>(k));
        const std::string path =
            type.id() == arrow::Type::STRUCT ? column + "." + field->name() : column + "[]";
        ARROW_ZEROBUS_ASSIGN_OR_RETURN(auto child,
                                       DecodeArray(arrow::MakeArray(data.child_data[k]), path));
        fields.push_back(field->WithType(child->type()));
        children.push_back(child->data());
      }
      auto copy = std::make_shared<arrow::ArrayData>(data);
      copy->type = WithChildFields(type, fields);
      copy->child_data = std::move(children);
      return arrow::MakeArray(copy);
    }
    default:
      return InternalError("column '" + column + "': no decoder for " + type.ToString());
  }
}

}  // namespace arrow_zerobus::encode::internal
