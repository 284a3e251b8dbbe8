// The baseline the encoder is measured against: a protobuf DynamicMessage filled per row through
// reflection, then serialized. Handles the types the benchmark schemas use.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <arrow/record_batch.h>
#include <google/protobuf/dynamic_message.h>

#include "schema/schema_plan.h"

namespace arrow_zerobus::bench {

class ReflectionEncoder {
 public:
  explicit ReflectionEncoder(const schema::SchemaPlan& plan);

  /// Serializes every row of `batch` back to back into `out`, with row offsets in `offsets`.
  void Encode(const arrow::RecordBatch& batch, std::string* out, std::vector<int64_t>* offsets);

 private:
  google::protobuf::DynamicMessageFactory factory_;
  const google::protobuf::Message* prototype_;
};

}  // namespace arrow_zerobus::bench
