#include "arrow_stream_file.h"

#include <arrow/io/file.h>
#include <arrow/ipc/writer.h>
#include <arrow/record_batch.h>

namespace arrow_zerobus::emulator {
namespace {

Status FromArrow(const arrow::Status& status, const std::string& what) {
  if (status.ok()) return Status::OK();
  return IoError(what + ": " + status.message());
}

}  // namespace

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
  auto writer = arrow::ipc::MakeStreamWriter(out->file_, schema);
  if (!writer.ok()) return FromArrow(writer.status(), "Cannot write " + path.string());
  out->writer_ = std::move(writer).ValueUnsafe();
  return out;
}

ArrowStreamFile::~ArrowStreamFile() { (void)Close(); }

Status ArrowStreamFile::Write(const arrow::RecordBatch& batch) {
  if (writer_ == nullptr) return IoError("Landing file " + path_ + " is already closed");
  return FromArrow(writer_->WriteRecordBatch(batch), "Cannot write to " + path_);
}

Status ArrowStreamFile::Close() {
  if (writer_ == nullptr) return Status::OK();
  Status closed = FromArrow(writer_->Close(), "Cannot finish " + path_);
  writer_.reset();
  Status file_closed = FromArrow(file_->Close(), "Cannot close " + path_);
  return closed.ok() ? file_closed : closed;
}

}  // namespace arrow_zerobus::emulator
