#include "arrow_stream_file.h"

#include <cstdint>

#include <arrow/io/file.h>
#include <arrow/ipc/dictionary.h>
#include <arrow/ipc/writer.h>
#include <arrow/record_batch.h>

namespace arrow_zerobus::emulator {
namespace {

Status FromArrow(const arrow::Status& status, const std::string& what) {
  if (status.ok()) return Status::OK();
  return IoError(what + ": " + status.message());
}

}  // namespace

// The messages are written one by one (rather than through arrow::ipc's stream writer, which
// writes the schema only with the first batch) so that a stream with no rows yet, or cut by a
// killed emulator, still leaves a file readers open.
Result<std::unique_ptr<ArrowStreamFile>> ArrowStreamFile::Open(
    const std::filesystem::path& path, const std::shared_ptr<arrow::Schema>& schema) {
  std::error_code error;
  std::filesystem::create_directories(path.parent_path(), error);
  if (error) {
    return IoError("Cannot create the landing directory " + path.parent_path().string() + ": " +
                   error.message());
  }
  std::unique_ptr<ArrowStreamFile> out(new ArrowStreamFile());
  out->path_ = path.string();
  auto file = arrow::io::FileOutputStream::Open(path.string());
  if (!file.ok()) return FromArrow(file.status(), "Cannot create " + path.string());
  out->file_ = std::move(file).ValueUnsafe();
  const arrow::ipc::DictionaryFieldMapper mapper(*schema);
  if (mapper.num_fields() > 0) {
    return IoError("Cannot land dictionary-encoded columns in " + path.string());
  }
  arrow::ipc::IpcPayload payload;
  arrow::Status written = arrow::ipc::GetSchemaPayload(
      *schema, arrow::ipc::IpcWriteOptions::Defaults(), mapper, &payload);
  int32_t metadata_length = 0;
  if (written.ok()) {
    written = arrow::ipc::WriteIpcPayload(payload, arrow::ipc::IpcWriteOptions::Defaults(),
                                          out->file_.get(), &metadata_length);
  }
  ARROW_ZEROBUS_RETURN_NOT_OK(FromArrow(written, "Cannot write to " + path.string()));
  return out;
}

ArrowStreamFile::~ArrowStreamFile() { (void)Close(); }

Status ArrowStreamFile::Write(const arrow::RecordBatch& batch) {
  if (file_ == nullptr) return IoError("Landing file " + path_ + " is already closed");
  arrow::ipc::IpcPayload payload;
  arrow::Status written =
      arrow::ipc::GetRecordBatchPayload(batch, arrow::ipc::IpcWriteOptions::Defaults(), &payload);
  int32_t metadata_length = 0;
  if (written.ok()) {
    written = arrow::ipc::WriteIpcPayload(payload, arrow::ipc::IpcWriteOptions::Defaults(),
                                          file_.get(), &metadata_length);
  }
  return FromArrow(written, "Cannot write to " + path_);
}

Status ArrowStreamFile::Close() {
  if (file_ == nullptr) return Status::OK();
  // The end-of-stream marker: a continuation token and a zero metadata length.
  constexpr uint8_t kEndOfStream[8] = {0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0};
  Status closed =
      FromArrow(file_->Write(kEndOfStream, sizeof kEndOfStream), "Cannot finish " + path_);
  Status file_closed = FromArrow(file_->Close(), "Cannot close " + path_);
  file_.reset();
  return closed.ok() ? file_closed : closed;
}

}  // namespace arrow_zerobus::emulator
