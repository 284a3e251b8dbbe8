// SchemaPlan: everything needed to turn batches of one Arrow schema into protobuf records: the
// descriptor sent to Zerobus and, per column, the proto field each value goes to.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <arrow/type.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>

#include "schema/type_table.h"

namespace arrow_zerobus::schema {

enum class FieldShape : uint8_t {
  kSingular,  ///< optional or required field
  kRepeated,  ///< an Arrow list: one proto element per list element
  kMap,       ///< an Arrow map: proto map<key, value> (repeated entry messages)
};

/// One proto field and the Arrow values that fill it.
struct FieldPlan {
  std::string name;  ///< proto field name, equal to the Arrow field name
  std::string path;  ///< column path used in errors: "a", "a.b", "items[].sku", "attrs.value"
  int32_t number = 0;
  FieldShape shape = FieldShape::kSingular;
  ProtoType proto_type = google::protobuf::FieldDescriptorProto::TYPE_INT64;  ///< element type
  bool required = false;  ///< proto2 `required`: a null is a row error
  bool packed = false;    ///< repeated numbers written packed
  /// Resolved Arrow type of one value (the list element for kRepeated); for kMap the entry struct.
  std::shared_ptr<arrow::DataType> value_type;
  ValueConversion conversion = ValueConversion::kNone;
  /// Members of a nested message (struct values), or {key, value} of a map entry.
  std::vector<FieldPlan> children;
};

/// protobuf's DescriptorPool refuses message declarations nested deeper than 32 levels (the
/// record counts as one; a map entry may add one more).
constexpr int kMaxNestingDepth = 30;

struct PlanOptions {
  /// Name of the record message (a proto identifier); the wrapper derives it from the table.
  std::string message_name = "ArrowRecord";
  /// Zerobus accepts at most 2000 fields in a record message.
  int max_top_level_fields = 2000;
  /// Deepest nesting of messages below the record (structs, map entries), at most
  /// kMaxNestingDepth.
  int max_nesting_depth = kMaxNestingDepth;
  /// A descriptor to use instead of generating one; columns are matched to fields by name.
  std::optional<google::protobuf::DescriptorProto> descriptor;
};

struct SchemaPlan {
  std::shared_ptr<arrow::Schema> schema;
  std::string fingerprint;        ///< SchemaCacheKey(schema)
  std::vector<FieldPlan> fields;  ///< one per top-level column, in schema order
  bool needs_decoding = false;    ///< some column is dictionary / run-end / extension / list-view

  /// The record descriptor, as sent in CreateIngestStreamRequest.descriptor_proto.
  google::protobuf::DescriptorProto descriptor;
  /// `descriptor` wrapped in a proto2 file (with the package its type names need).
  google::protobuf::FileDescriptorProto file;
  std::shared_ptr<google::protobuf::DescriptorPool> pool;
  const google::protobuf::Descriptor* message = nullptr;  ///< owned by `pool`

  /// The record message in .proto syntax, for people.
  std::string DescribeMessage() const { return message->DebugString(); }
};

/// A key that identifies `schema` (names, types, nullability; not metadata): its Arrow
/// fingerprint, or its full text where Arrow has no fingerprint (some extension types).
std::string SchemaCacheKey(const arrow::Schema& schema);

/// Plans `schema`, generating a descriptor or matching `options.descriptor`. Every unsupported
/// type, bad column name or limit gives a ConfigurationError naming the column path.
Result<std::shared_ptr<const SchemaPlan>> PlanSchema(const arrow::Schema& schema,
                                                     const PlanOptions& options = {});

}  // namespace arrow_zerobus::schema
