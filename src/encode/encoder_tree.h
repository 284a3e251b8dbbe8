// Builds the encoder tree of one batch from its plan: one FieldEncoder per planned field, with
// the codec the type table and the field's proto type call for.
#pragma once

#include <memory>
#include <vector>

#include <arrow/array.h>

#include "arrow_zerobus/status.h"
#include "encode/field_encoder.h"
#include "schema/schema_plan.h"

namespace arrow_zerobus::encode::internal {

class EncoderTree {
 public:
  /// `columns` are the batch's columns after decoding, one per plan field.
  static Result<std::unique_ptr<EncoderTree>> Make(
      const schema::SchemaPlan& plan, const std::vector<std::shared_ptr<arrow::Array>>& columns,
      int64_t num_rows);

  MessageNode& root() { return *root_; }

 private:
  Status AddFields(const std::vector<schema::FieldPlan>& plans,
                   const std::vector<std::shared_ptr<arrow::Array>>& arrays, MessageNode* owner);
  Result<std::unique_ptr<FieldEncoder>> MakeField(const schema::FieldPlan& plan,
                                                  const std::shared_ptr<arrow::Array>& array,
                                                  MessageNode* owner);
  /// Rebased int64 offsets of a list-like array, kept alive for the encoders.
  Result<const int64_t*> ListOffsets(const arrow::Array& list,
                                     std::shared_ptr<arrow::Array>* values);
  template <typename MakeEncoder>
  Result<std::unique_ptr<FieldEncoder>> WithCodec(const schema::FieldPlan& plan,
                                                  const std::shared_ptr<arrow::Array>& values,
                                                  MessageNode* owner, const int64_t* parent_offsets,
                                                  MakeEncoder&& make);

  std::unique_ptr<MessageNode> root_;
  std::vector<std::vector<int64_t>> offsets_;
};

}  // namespace arrow_zerobus::encode::internal
