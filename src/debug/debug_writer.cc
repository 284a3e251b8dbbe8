// DebugWriter: one Arrow IPC stream file and one length-delimited protobuf file (plus its
// descriptor) open at a time per table, rotated by schema, size, rows and age.
//
// Each format has its own lock, so Arrow and protobuf writes do not wait for each other. An error
// drops the file it happened in (the next write starts a new one) and is kept in first_error().
// A retention failure keeps the file; the write that started the file returns it (its data was
// written).
#include "debug/debug_writer.h"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string_view>
#include <thread>
#include <utility>

#include <arrow/io/buffered.h>
#include <arrow/ipc/writer.h>
#include <google/protobuf/descriptor.pb.h>

#include "debug/debug_reader.h"
#include "debug/exclusive_file.h"
#include "debug/file_naming.h"

namespace arrow_zerobus::debug {
namespace {

namespace fs = std::filesystem;
using SteadyTime = std::chrono::steady_clock::time_point;

constexpr int64_t kStreamBufferBytes = 256 * 1024;
// Attempts at an unused file name before giving up (each takes the next sequence number).
constexpr int kMaxCreateAttempts = 1000;
constexpr std::string_view kArrowExtension = "arrows";
constexpr std::string_view kProtoExtension = "pbs";
constexpr std::string_view kDescriptorExtension = "desc";

Status FileError(const fs::path& path, std::string_view action, const arrow::Status& status) {
  return IoError("debug file " + path.string() + ": cannot " + std::string(action) + ": " +
                 status.ToString());
}

Millis NowMillis() {
  return std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

Status CreateDirectory(const fs::path& dir) {
  std::error_code error;
  fs::create_directories(dir, error);
  if (error) return IoError("debug directory " + dir.string() + ": " + error.message());
  return Status::OK();
}

// Creates "<dir>/<stem>.<extension>" for the next free stamp.
Result<std::shared_ptr<arrow::io::FileOutputStream>> CreateNamedFile(const fs::path& dir,
                                                                     std::string_view table,
                                                                     std::string_view extension,
                                                                     StampSequence& stamps,
                                                                     fs::path* path) {
  ARROW_ZEROBUS_RETURN_NOT_OK(CreateDirectory(dir));
  for (int attempt = 0; attempt < kMaxCreateAttempts; ++attempt) {
    *path = dir / (FormatStem(table, stamps.Next(NowMillis())) + "." + std::string(extension));
    auto file = CreateExclusive(*path);
    if (file.ok() || file.status().code() != StatusCode::kAlreadyExists) return file;
  }
  return IoError("debug directory " + dir.string() + ": no unused file name after " +
                 std::to_string(kMaxCreateAttempts) + " attempts");
}

Result<std::shared_ptr<arrow::io::BufferedOutputStream>> BufferStream(
    const fs::path& path, std::shared_ptr<arrow::io::OutputStream> raw) {
  auto sink = arrow::io::BufferedOutputStream::Create(kStreamBufferBytes,
                                                      arrow::default_memory_pool(), raw);
  if (!sink.ok()) {
    (void)raw->Close();
    return FileError(path, "buffer", sink.status());
  }
  return std::move(sink).ValueUnsafe();
}

// Protobuf's base-128 varint; returns the number of bytes written to `out` (at most 10).
size_t PutVarint(uint64_t value, char* out) {
  size_t size = 0;
  while (value >= 0x80) {
    out[size++] = static_cast<char>((value & 0x7F) | 0x80);
    value >>= 7;
  }
  out[size++] = static_cast<char>(value);
  return size;
}

// The file a format is writing.
struct OpenFile {
  fs::path path;
  std::shared_ptr<arrow::io::BufferedOutputStream> sink;
  SteadyTime opened;
  int64_t rows = 0;
};

}  // namespace

class DebugWriter::Impl {
 public:
  Impl(std::string table, DebugOptions options)
      : table_(std::move(table)),
        options_(std::move(options)),
        arrow_dir_(options_.output_dir / "zerobus" / "arrow"),
        proto_dir_(options_.output_dir / "zerobus" / "proto"),
        descriptor_dir_(options_.output_dir / "zerobus" / "descriptors") {}

  ~Impl() { (void)Close(); }

  Status Start() {
    if (options_.arrow) ARROW_ZEROBUS_RETURN_NOT_OK(CreateDirectory(arrow_dir_));
    if (options_.protobuf) {
      ARROW_ZEROBUS_RETURN_NOT_OK(CreateDirectory(proto_dir_));
      ARROW_ZEROBUS_RETURN_NOT_OK(CreateDirectory(descriptor_dir_));
    }
    flusher_ = std::thread([this] { FlushLoop(); });
    return Status::OK();
  }

  Status WriteBatch(const arrow::RecordBatch& batch) {
    if (!options_.arrow) return Status::OK();
    std::lock_guard lock(arrow_.mutex);
    if (closed_) return ClosedError();
    Status retention;
    Status status = WriteBatchLocked(batch, &retention);
    if (!status.ok()) DropLocked(arrow_);
    return status.ok() ? retention : Record(status);
  }

  Status WriteRecords(const schema::SchemaPlan& plan, const encode::EncodedBatch& encoded) {
    if (!options_.protobuf) return Status::OK();
    std::lock_guard lock(proto_.mutex);
    if (closed_) return ClosedError();
    Status retention;
    Status status = WriteRecordsLocked(plan, encoded, &retention);
    if (!status.ok()) DropLocked(proto_);
    return status.ok() ? retention : Record(status);
  }

  Status Flush() { return FlushFormats(/*apply_age=*/false); }

  Status Close() {
    {
      std::lock_guard lock(stop_mutex_);
      if (closed_) return Status::OK();
      closed_ = true;
    }
    stop_cv_.notify_all();
    if (flusher_.joinable()) flusher_.join();
    Status first;
    for (Format* format : {&arrow_, &proto_}) {
      std::lock_guard lock(format->mutex);
      Status status = Record(FinishLocked(*format));
      if (first.ok()) first = status;
    }
    return first;
  }

  std::vector<fs::path> files() const {
    std::lock_guard lock(state_mutex_);
    return files_;
  }

  Status first_error() const {
    std::lock_guard lock(state_mutex_);
    return first_error_;
  }

  int64_t error_count() const {
    std::lock_guard lock(state_mutex_);
    return error_count_;
  }

 private:
  struct Format {
    std::mutex mutex;  // guards the members below
    std::optional<OpenFile> file;
    std::shared_ptr<arrow::ipc::RecordBatchWriter> arrow_writer;  // Arrow only
    std::shared_ptr<arrow::Schema> arrow_schema;                  // Arrow only
    std::string file_descriptor;  // protobuf only: serialized SchemaPlan::file of `file`
    StampSequence stamps;
  };

  static Status ClosedError() {
    return Status(StatusCode::kFailedPrecondition, ErrorKind::kIo, "debug writer is closed");
  }

  Status WriteBatchLocked(const arrow::RecordBatch& batch, Status* retention) {
    if (arrow_.file && (!arrow_.arrow_schema->Equals(*batch.schema(), /*check_metadata=*/true) ||
                        AgeExceeded(*arrow_.file))) {
      ARROW_ZEROBUS_RETURN_NOT_OK(FinishLocked(arrow_));
    }
    if (!arrow_.file) ARROW_ZEROBUS_RETURN_NOT_OK(StartArrowLocked(batch.schema(), retention));
    OpenFile& file = *arrow_.file;
    auto written = arrow_.arrow_writer->WriteRecordBatch(batch);
    if (!written.ok()) return FileError(file.path, "write", written);
    file.rows += batch.num_rows();
    return FinishIfFullLocked(arrow_);
  }

  Status WriteRecordsLocked(const schema::SchemaPlan& plan, const encode::EncodedBatch& encoded,
                            Status* retention) {
    if (encoded.successful_count() == 0) return Status::OK();  // no file without records
    std::string file_descriptor;
    if (!plan.file.SerializeToString(&file_descriptor)) {
      return IoError("debug protobuf file: cannot serialize the descriptor of the records");
    }
    if (proto_.file && (proto_.file_descriptor != file_descriptor || AgeExceeded(*proto_.file))) {
      ARROW_ZEROBUS_RETURN_NOT_OK(FinishLocked(proto_));
    }
    if (!proto_.file) {
      ARROW_ZEROBUS_RETURN_NOT_OK(StartProtoLocked(plan.file, retention));
      proto_.file_descriptor = std::move(file_descriptor);
    }
    OpenFile& file = *proto_.file;
    char length[10];
    for (int64_t row = 0; row < encoded.num_rows; ++row) {
      if (encoded.failed(row)) continue;
      const std::string_view record = encoded.record(row);
      auto written =
          file.sink->Write(length, static_cast<int64_t>(PutVarint(record.size(), length)));
      if (written.ok())
        written = file.sink->Write(record.data(), static_cast<int64_t>(record.size()));
      if (!written.ok()) return FileError(file.path, "write", written);
      ++file.rows;
    }
    return FinishIfFullLocked(proto_);
  }

  Status StartArrowLocked(const std::shared_ptr<arrow::Schema>& schema, Status* retention) {
    fs::path path;
    ARROW_ZEROBUS_ASSIGN_OR_RETURN(
        auto raw, CreateNamedFile(arrow_dir_, table_, kArrowExtension, arrow_.stamps, &path));
    AddFile(path);
    ARROW_ZEROBUS_ASSIGN_OR_RETURN(auto sink, BufferStream(path, raw));
    auto writer = arrow::ipc::MakeStreamWriter(sink, schema);
    if (!writer.ok()) {
      (void)sink->Abort();
      return FileError(path, "start the Arrow stream", writer.status());
    }
    arrow_.file = OpenFile{path, std::move(sink), std::chrono::steady_clock::now()};
    arrow_.arrow_writer = std::move(writer).ValueUnsafe();
    arrow_.arrow_schema = schema;
    *retention = ApplyRetention(arrow_dir_, kArrowExtension, path);
    return Status::OK();
  }

  // Creates the .pbs file and its .desc file under one unused stem, and writes the descriptor.
  Status StartProtoLocked(const google::protobuf::FileDescriptorProto& file_proto,
                          Status* retention) {
    ARROW_ZEROBUS_RETURN_NOT_OK(CreateDirectory(descriptor_dir_));
    for (int attempt = 0; attempt < kMaxCreateAttempts; ++attempt) {
      fs::path path;
      ARROW_ZEROBUS_ASSIGN_OR_RETURN(
          auto raw, CreateNamedFile(proto_dir_, table_, kProtoExtension, proto_.stamps, &path));
      const fs::path descriptor_path = DescriptorPathFor(path);
      auto descriptor_file = CreateExclusive(descriptor_path);
      if (!descriptor_file.ok()) {
        (void)raw->Close();
        RemoveQuietly(path);
        if (descriptor_file.status().code() == StatusCode::kAlreadyExists) continue;
        return descriptor_file.status();
      }
      Status written = WriteDescriptor(file_proto, descriptor_path, **descriptor_file);
      if (!written.ok()) {
        (void)raw->Close();
        RemoveQuietly(path);
        RemoveQuietly(descriptor_path);
        return written;
      }
      AddFile(path);
      AddFile(descriptor_path);
      ARROW_ZEROBUS_ASSIGN_OR_RETURN(auto sink, BufferStream(path, raw));
      proto_.file = OpenFile{path, std::move(sink), std::chrono::steady_clock::now()};
      *retention = ApplyRetention(proto_dir_, kProtoExtension, path);
      return Status::OK();
    }
    return IoError("debug directory " + descriptor_dir_.string() + ": no unused file name after " +
                   std::to_string(kMaxCreateAttempts) + " attempts");
  }

  static Status WriteDescriptor(const google::protobuf::FileDescriptorProto& file_proto,
                                const fs::path& path, arrow::io::FileOutputStream& out) {
    google::protobuf::FileDescriptorSet set;
    *set.add_file() = file_proto;
    std::string bytes;
    if (!set.SerializeToString(&bytes)) {
      (void)out.Close();
      return IoError("debug file " + path.string() + ": cannot serialize the descriptor");
    }
    auto written = out.Write(bytes.data(), static_cast<int64_t>(bytes.size()));
    auto closed = out.Close();
    if (!written.ok()) return FileError(path, "write", written);
    if (!closed.ok()) return FileError(path, "close", closed);
    return Status::OK();
  }

  bool AgeExceeded(const OpenFile& file) const {
    return options_.max_file_age &&
           std::chrono::steady_clock::now() - file.opened > *options_.max_file_age;
  }

  Status FinishIfFullLocked(Format& format) {
    OpenFile& file = *format.file;
    bool full = options_.max_file_rows && file.rows >= *options_.max_file_rows;
    if (!full && options_.max_file_bytes) {
      auto size = file.sink->Tell();  // counts the bytes still in the buffer
      if (!size.ok()) return FileError(file.path, "tell the size", size.status());
      full = *size >= *options_.max_file_bytes;
    }
    return full ? FinishLocked(format) : Status::OK();
  }

  // Completes the current file (the Arrow end-of-stream marker, then close). The file is done
  // with whether or not that succeeds.
  Status FinishLocked(Format& format) {
    if (!format.file) return Status::OK();
    OpenFile file = std::move(*format.file);
    auto writer = std::move(format.arrow_writer);
    format.file.reset();
    format.arrow_schema.reset();
    format.file_descriptor.clear();
    if (writer) {
      auto ended = writer->Close();
      if (!ended.ok()) {
        (void)file.sink->Abort();
        return FileError(file.path, "end the Arrow stream", ended);
      }
    }
    auto closed = file.sink->Close();
    if (!closed.ok()) return FileError(file.path, "close", closed);
    return Status::OK();
  }

  // Abandons the current file after an error in it, so that the next write starts a new one.
  static void DropLocked(Format& format) {
    if (format.file) (void)format.file->sink->Abort();
    format.file.reset();
    format.arrow_writer.reset();
    format.arrow_schema.reset();
    format.file_descriptor.clear();
  }

  Status FlushFormats(bool apply_age) {
    Status first;
    for (Format* format : {&arrow_, &proto_}) {
      std::lock_guard lock(format->mutex);
      if (!format->file) continue;
      Status status;
      if (apply_age && AgeExceeded(*format->file)) {
        status = FinishLocked(*format);
      } else if (auto flushed = format->file->sink->Flush(); !flushed.ok()) {
        status = FileError(format->file->path, "flush", flushed);
        DropLocked(*format);
      }
      if (first.ok()) first = Record(status);
    }
    return first;
  }

  void FlushLoop() {
    std::unique_lock lock(stop_mutex_);
    while (!closed_) {
      if (stop_cv_.wait_for(lock, options_.flush_interval, [this] { return closed_.load(); })) {
        break;
      }
      lock.unlock();
      (void)FlushFormats(/*apply_age=*/true);
      lock.lock();
    }
  }

  // Keeps the newest max_files_retained files of this table in `dir` (the active one always);
  // every failure is recorded and the first returned.
  Status ApplyRetention(const fs::path& dir, std::string_view extension, const fs::path& active) {
    if (!options_.max_files_retained) return Status::OK();
    std::vector<std::string> names;
    std::error_code error;
    for (fs::directory_iterator it(dir, error), end; !error && it != end; it.increment(error)) {
      std::string name = it->path().filename().string();
      if (IsTableFileName(table_, name, extension)) names.push_back(std::move(name));
    }
    if (error) {
      return Record(
          IoError("debug retention: cannot list " + dir.string() + ": " + error.message()));
    }
    Status first;
    for (const std::string& name : OldestBeyond(std::move(names), *options_.max_files_retained)) {
      const fs::path path = dir / name;
      if (path == active) continue;
      Status status = Remove(path);
      if (status.ok() && extension == kProtoExtension) status = Remove(DescriptorPathFor(path));
      if (first.ok()) first = Record(status);
    }
    return first;
  }

  Status Remove(const fs::path& path) {
    std::error_code error;
    fs::remove(path, error);
    if (error)
      return IoError("debug retention: cannot remove " + path.string() + ": " + error.message());
    std::lock_guard lock(state_mutex_);
    std::erase(files_, path);
    return Status::OK();
  }

  static void RemoveQuietly(const fs::path& path) {
    std::error_code error;
    fs::remove(path, error);
  }

  void AddFile(const fs::path& path) {
    std::lock_guard lock(state_mutex_);
    files_.push_back(path);
  }

  // Keeps the first error and counts every one; returns `status`.
  Status Record(Status status) {
    if (status.ok()) return status;
    std::lock_guard lock(state_mutex_);
    if (first_error_.ok()) first_error_ = status;
    ++error_count_;
    return status;
  }

  const std::string table_;
  const DebugOptions options_;
  const fs::path arrow_dir_;
  const fs::path proto_dir_;
  const fs::path descriptor_dir_;

  Format arrow_;
  Format proto_;

  mutable std::mutex state_mutex_;  // guards the members below
  std::vector<fs::path> files_;
  Status first_error_;
  int64_t error_count_ = 0;

  std::mutex stop_mutex_;
  std::condition_variable stop_cv_;
  std::atomic<bool> closed_{false};  // set under stop_mutex_
  std::thread flusher_;
};

Result<std::unique_ptr<DebugWriter>> DebugWriter::Open(std::string table, DebugOptions options) {
  if (!IsValidTableName(table)) {
    return ConfigurationError("debug files: invalid table name '" + table +
                              "' (expected catalog.schema.table)");
  }
  if (options.flush_interval.count() <= 0) {
    return ConfigurationError("debug files: the flush interval must be positive");
  }
  if ((options.max_file_bytes && *options.max_file_bytes <= 0) ||
      (options.max_file_rows && *options.max_file_rows <= 0) ||
      (options.max_file_age && options.max_file_age->count() <= 0) ||
      (options.max_files_retained && *options.max_files_retained <= 0)) {
    return ConfigurationError("debug files: file limits must be positive");
  }
  if ((options.arrow || options.protobuf) && options.output_dir.empty()) {
    return ConfigurationError("debug files: no output directory");
  }
  auto impl = std::make_unique<Impl>(std::move(table), std::move(options));
  ARROW_ZEROBUS_RETURN_NOT_OK(impl->Start());
  return std::unique_ptr<DebugWriter>(new DebugWriter(std::move(impl)));
}

DebugWriter::DebugWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
DebugWriter::~DebugWriter() = default;

Status DebugWriter::WriteBatch(const arrow::RecordBatch& batch) { return impl_->WriteBatch(batch); }

Status DebugWriter::WriteRecords(const schema::SchemaPlan& plan,
                                 const encode::EncodedBatch& encoded) {
  return impl_->WriteRecords(plan, encoded);
}

Status DebugWriter::Flush() { return impl_->Flush(); }
Status DebugWriter::Close() { return impl_->Close(); }
std::vector<std::filesystem::path> DebugWriter::files() const { return impl_->files(); }
Status DebugWriter::first_error() const { return impl_->first_error(); }
int64_t DebugWriter::error_count() const { return impl_->error_count(); }

}  // namespace arrow_zerobus::debug
