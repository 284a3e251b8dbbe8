// What the emulator fuzz targets share: the declared table they check streams against, and the
// landing of accepted rows.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <arrow/io/memory.h>
#include <arrow/ipc/writer.h>
#include <arrow/record_batch.h>
#include <arrow/type.h>

#include "fuzz_support.h"
#include "table_schema.h"

namespace arrow_zerobus::fuzz {

/// A column of every Unity Catalog type the emulator knows, nested ones included, some NOT NULL.
/// A stream whose schema (or descriptor) fits it is checked value by value as a declared
/// table's; any other stream is taken as one for an undeclared table, which accepts any schema,
/// as the emulator does.
inline std::vector<emulator::TableColumn> DeclaredTable() {
  return {
      {"id", "BIGINT", false},
      {"name", "STRING", true},
      {"tiny", "TINYINT", true},
      {"small", "SMALLINT", true},
      {"count", "INT", true},
      {"ratio", "FLOAT", true},
      {"score", "DOUBLE", true},
      {"flag", "BOOLEAN", true},
      {"raw", "BINARY", true},
      {"day", "DATE", true},
      {"at", "TIMESTAMP", true},
      {"local_at", "TIMESTAMP_NTZ", true},
      {"amount", "DECIMAL(10,2)", true},
      {"payload", "VARIANT", true},
      {"tags", "ARRAY<STRING>", true},
      {"attrs", "MAP<STRING, INT>", true},
      {"address", "STRUCT<street: STRING, zip: STRING NOT NULL, lines: ARRAY<STRING>>", true},
  };
}

/// Accepted rows written as an Arrow IPC stream in memory, as the emulator writes its landing
/// files: every write must succeed.
class Landing {
 public:
  explicit Landing(const std::shared_ptr<arrow::Schema>& schema) {
    auto writer = arrow::ipc::MakeStreamWriter(sink_, schema);
    FUZZ_CHECK_ARROW_OK(writer.status(), "opening the landing stream for " + schema->ToString());
    writer_ = std::move(writer).ValueUnsafe();
  }
  void Write(const arrow::RecordBatch& rows) {
    FUZZ_CHECK_ARROW_OK(writer_->WriteRecordBatch(rows), "landing rows");
  }
  void Close() { FUZZ_CHECK_ARROW_OK(writer_->Close(), "closing the landing stream"); }

 private:
  std::shared_ptr<arrow::io::BufferOutputStream> sink_ =
      arrow::io::BufferOutputStream::Create().ValueOrDie();
  std::shared_ptr<arrow::ipc::RecordBatchWriter> writer_;
};

}  // namespace arrow_zerobus::fuzz
