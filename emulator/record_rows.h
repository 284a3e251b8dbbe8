// The rows a PROTO stream lands: each decoded record becomes one Arrow row of the table's types,
// and every value is checked against its column on the way, as the service checks what it
// writes (NOT NULL columns have values, integers fit TINYINT/SMALLINT, DATE and TIMESTAMP fit
// Delta's range, DECIMAL text fits its precision and scale, VARIANT text is JSON, STRING text is
// UTF-8). Landed files therefore keep column types, whichever wire format sent them.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <arrow/table_builder.h>
#include <arrow/type_fwd.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include "arrow_zerobus/status.h"
#include "table_schema.h"

namespace arrow_zerobus::emulator {

class RecordRows {
 public:
  /// Rows of a declared table (`columns`, which `record` has been checked to fit): the table's
  /// columns in its order with their canonical Arrow types, except VARIANT, which lands as its
  /// JSON text; columns the descriptor leaves out land as nulls. Without `columns` (an undeclared
  /// table), the row is the descriptor's fields with the Arrow types their protobuf types imply.
  static Result<std::unique_ptr<RecordRows>> Make(const google::protobuf::Descriptor& record,
                                                  const std::vector<TableColumn>* columns);
  ~RecordRows();

  const std::shared_ptr<arrow::Schema>& schema() const;

  /// Appends the row of `record` (a message of the descriptor given to Make). A value its column
  /// cannot hold is INVALID_ARGUMENT naming the column, its type and the value; the rows appended
  /// since the last TakeRows are then dropped.
  Status Append(const google::protobuf::Message& record);

  /// The rows appended since the last call, as one batch (possibly of no rows).
  Result<std::shared_ptr<arrow::RecordBatch>> TakeRows();

 private:
  struct Column;
  class Writer;
  RecordRows();

  std::shared_ptr<arrow::Schema> schema_;
  std::unique_ptr<arrow::RecordBatchBuilder> builder_;
  std::vector<std::unique_ptr<Column>> columns_;
  int64_t pending_rows_ = 0;  ///< appended since the last TakeRows
};

}  // namespace arrow_zerobus::emulator
