// A landing file: the rows of one stream, in an Arrow IPC stream file
// (<data_dir>/<table>/<stream id>.arrows) that pyarrow.ipc.open_stream reads. Flight streams land
// their batches as they arrived; PROTO streams their records as rows of the table's types.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include <arrow/io/type_fwd.h>
#include <arrow/ipc/type_fwd.h>
#include <arrow/type_fwd.h>

#include "arrow_zerobus/status.h"

namespace arrow_zerobus::emulator {

class ArrowStreamFile {
 public:
  /// Creates (truncates) `path`, and its directory when missing, and writes the stream's schema
  /// at once (a file with no rows yet reads as an empty table).
  /// Errors name the path.
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

  std::string path_;
  std::shared_ptr<arrow::io::FileOutputStream> file_;
};

}  // namespace arrow_zerobus::emulator
