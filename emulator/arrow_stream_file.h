// A landing file for Arrow Flight streams: the batches of one stream, as they arrived, in an Arrow
// IPC stream file (<data_dir>/<table>/<stream id>.arrows) that pyarrow.ipc.open_stream reads.
#pragma once

#include <filesystem>
#include <memory>

#include <arrow/io/type_fwd.h>
#include <arrow/ipc/type_fwd.h>
#include <arrow/type_fwd.h>

#include "arrow_zerobus/status.h"

namespace arrow_zerobus::emulator {

class ArrowStreamFile {
 public:
  /// Creates (truncates) `path` and writes the stream's schema.
  static Result<std::unique_ptr<ArrowStreamFile>> Open(
      const std::filesystem::path& path, const std::shared_ptr<arrow::Schema>& schema);
  /// Closes the file if Close was not called.
  ~ArrowStreamFile();

  /// Appends one batch; it reaches the file before this returns.
  Status Write(const arrow::RecordBatch& batch);
  /// Writes the end-of-stream marker and closes the file.
  Status Close();

 private:
  ArrowStreamFile() = default;

  std::shared_ptr<arrow::io::FileOutputStream> file_;
  std::shared_ptr<arrow::ipc::RecordBatchWriter> writer_;
};

}  // namespace arrow_zerobus::emulator
