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
  std::unique_ptr<ArrowStreamFile> out(new ArrowStreamFile());
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
  if (writer_ == nullptr) return IoError("Landing file already closed");
  return FromArrow(writer_->WriteRecordBatch(batch), "Cannot write a landed batch");
}

Status ArrowStreamFile::Close() {
  if (writer_ == nullptr) return Status::OK();
  Status closed = FromArrow(writer_->Close(), "Cannot finish a landing file");
  writer_.reset();
  Status file_closed = FromArrow(file_->Close(), "Cannot close a landing file");
  return closed.ok() ? file_closed : closed;
}

}  // namespace arrow_zerobus::emulator
