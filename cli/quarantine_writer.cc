// Writes failed rows with their row number and error to Arrow IPC or Parquet.
#include "quarantine_writer.h"
#include "common/text.h"

#include <algorithm>
#include <cctype>
#include <exception>
#include <string>
#include <utility>

#include <arrow/builder.h>
#include <arrow/csv/writer.h>
#include <arrow/io/file.h>
#include <arrow/ipc/writer.h>
#include <parquet/arrow/writer.h>

namespace arrow_zerobus::cli {

namespace fs = std::filesystem;

// One open output file of a QuarantineWriter.
class QuarantineSink {
 public:
  virtual ~QuarantineSink() = default;
  virtual arrow::Status Write(const arrow::RecordBatch& batch) = 0;
  virtual arrow::Status Close() = 0;
};

namespace {

// An Arrow IPC or CSV writer: the file is flushed after every batch, so that it is readable (a
// complete stream, or whole CSV lines) while the send goes on.
class FlushingSink : public QuarantineSink {
 public:
  FlushingSink(std::shared_ptr<arrow::io::OutputStream> file,
               std::shared_ptr<arrow::ipc::RecordBatchWriter> writer)
      : file_(std::move(file)), writer_(std::move(writer)) {}
  arrow::Status Write(const arrow::RecordBatch& batch) override {
    ARROW_RETURN_NOT_OK(writer_->WriteRecordBatch(batch));
    return file_->Flush();
  }
  arrow::Status Close() override {
    ARROW_RETURN_NOT_OK(writer_->Close());
    return file_->Close();
  }

 private:
  std::shared_ptr<arrow::io::OutputStream> file_;
  std::shared_ptr<arrow::ipc::RecordBatchWriter> writer_;
};

class ParquetSink : public QuarantineSink {
 public:
  ParquetSink(std::shared_ptr<arrow::io::OutputStream> file,
              std::unique_ptr<parquet::arrow::FileWriter> writer)
      : file_(std::move(file)), writer_(std::move(writer)) {}
  arrow::Status Write(const arrow::RecordBatch& batch) override {
    try {
      return writer_->WriteRecordBatch(batch);
    } catch (const std::exception& e) {
      return arrow::Status::IOError(e.what());
    }
  }
  arrow::Status Close() override {
    try {
      ARROW_RETURN_NOT_OK(writer_->Close());
    } catch (const std::exception& e) {
      return arrow::Status::IOError(e.what());
    }
    return file_->Close();
  }

 private:
  std::shared_ptr<arrow::io::OutputStream> file_;
  std::unique_ptr<parquet::arrow::FileWriter> writer_;
};

Status WriteError(const fs::path& path, const std::string& message) {
  return IoError("quarantine file " + path.string() + ": " + message);
}

// OUT.ext, then OUT-2.ext, OUT-3.ext, ...
fs::path NumberedPath(const fs::path& path, size_t index) {
  if (index == 0) return path;
  fs::path numbered = path;
  numbered.replace_filename(path.stem().string() + "-" + std::to_string(index + 1) +
                            path.extension().string());
  return numbered;
}

std::shared_ptr<arrow::DataType> NullableType(const std::shared_ptr<arrow::DataType>& type);

std::shared_ptr<arrow::Field> NullableField(const std::shared_ptr<arrow::Field>& field) {
  return field->WithType(NullableType(field->type()))->WithNullable(true);
}

// `type` with its struct members and list items nullable: a quarantined row may be one whose
// fault is a null. (Map keys stay non-null: Arrow allows no other.)
std::shared_ptr<arrow::DataType> NullableType(const std::shared_ptr<arrow::DataType>& type) {
  switch (type->id()) {
    case arrow::Type::STRUCT: {
      arrow::FieldVector fields;
      for (const auto& child : type->fields()) fields.push_back(NullableField(child));
      return arrow::struct_(fields);
    }
    case arrow::Type::LIST:
      return arrow::list(NullableField(type->field(0)));
    case arrow::Type::LARGE_LIST:
      return arrow::large_list(NullableField(type->field(0)));
    case arrow::Type::FIXED_SIZE_LIST:
      return arrow::fixed_size_list(
          NullableField(type->field(0)),
          static_cast<const arrow::FixedSizeListType&>(*type).list_size());
    default:
      return type;
  }
}

Result<std::shared_ptr<arrow::RecordBatch>> WithErrorColumns(
    const arrow::RecordBatch& failed, const TransmissionResult& result, int64_t first_row,
    std::shared_ptr<arrow::Schema> schema) {
  arrow::Int64Builder rows;
  arrow::StringBuilder types;
  arrow::StringBuilder messages;
  arrow::Status status;
  for (const RowFailure& failure : result.failed_rows) {
    if (status.ok()) status = rows.Append(first_row + failure.row);
    if (status.ok()) status = types.Append(ErrorKindName(failure.error.kind()));
    if (status.ok()) status = messages.Append(failure.error.message());
  }
  std::shared_ptr<arrow::Array> row_array, type_array, message_array;
  if (status.ok()) status = rows.Finish(&row_array);
  if (status.ok()) status = types.Finish(&type_array);
  if (status.ok()) status = messages.Finish(&message_array);
  if (!status.ok())
    return InternalError("cannot build the quarantine columns: " + status.message());
  std::vector<std::shared_ptr<arrow::Array>> columns = failed.columns();
  for (int i = 0; i < failed.num_columns(); ++i) {
    const auto& type = schema->field(i)->type();
    if (columns[i]->type()->Equals(*type)) continue;
    auto viewed = columns[i]->View(type);  // the same data under the nullable schema
    if (!viewed.ok()) return InternalError("quarantine column: " + viewed.status().message());
    columns[i] = std::move(viewed).ValueUnsafe();
  }
  columns.push_back(row_array);
  columns.push_back(type_array);
  columns.push_back(message_array);
  return arrow::RecordBatch::Make(std::move(schema), failed.num_rows(), std::move(columns));
}

}  // namespace

Result<QuarantineFormat> QuarantineFormatOf(const fs::path& path) {
  const std::string extension = AsciiLower(path.extension().string());
  if (extension == ".arrows") return QuarantineFormat::kArrowStream;
  if (extension == ".arrow" || extension == ".feather") return QuarantineFormat::kArrowFile;
  if (extension == ".parquet" || extension == ".pq") return QuarantineFormat::kParquet;
  if (extension == ".csv") return QuarantineFormat::kCsv;
  return ConfigurationError("--quarantine " + path.string() +
                            ": use .arrows (Arrow IPC stream), .arrow or .feather (Arrow IPC "
                            "file), .parquet or .csv");
}

Status CheckQuarantinePath(const fs::path& path, const std::vector<fs::path>& inputs) {
  std::error_code error;
  const std::string named = "--quarantine " + path.string();
  if (fs::is_directory(path, error)) {
    return ConfigurationError(named + " is a directory; give a file in it, such as " +
                              (path / "failed.arrows").string());
  }
  const fs::path directory = path.has_parent_path() ? path.parent_path() : fs::path(".");
  if (!fs::is_directory(directory, error)) {
    return ConfigurationError(named + ": directory " + directory.string() + " does not exist");
  }
  if (!fs::exists(path, error)) return Status::OK();
  for (const fs::path& input : inputs) {
    if (fs::equivalent(path, input, error)) {
      return ConfigurationError(named + " is also an input file (" + input.string() +
                                "): it would be overwritten; give another path");
    }
  }
  return Status::OK();
}

QuarantineWriter::QuarantineWriter(fs::path path) : path_(std::move(path)) {}

QuarantineWriter::~QuarantineWriter() {
  if (sink_ != nullptr) (void)sink_->Close();
}

Status QuarantineWriter::CheckInputSchema(const arrow::Schema& input) const {
  auto format = QuarantineFormatOf(path_);
  if (!format.ok() || *format != QuarantineFormat::kCsv) return format.status();
  for (const auto& field : input.fields()) {
    const arrow::Type::type id = field->type()->id();
    if (field->type()->num_fields() > 0 || id == arrow::Type::DICTIONARY ||
        id == arrow::Type::EXTENSION) {
      return ConfigurationError("--quarantine " + path_.string() + ": CSV cannot hold column '" +
                                field->name() + "' of type " + field->type()->ToString() +
                                "; use .parquet or .arrows");
    }
  }
  return Status::OK();
}

std::shared_ptr<arrow::Schema> QuarantineWriter::QuarantineSchema(const arrow::Schema& input) {
  arrow::FieldVector fields;
  for (const auto& field : input.fields()) fields.push_back(NullableField(field));
  fields.push_back(arrow::field("_zerobus_row", arrow::int64(), /*nullable=*/false));
  fields.push_back(arrow::field("_zerobus_error_type", arrow::utf8(), false));
  fields.push_back(arrow::field("_zerobus_error", arrow::utf8(), false));
  return arrow::schema(std::move(fields), input.metadata());
}

Status QuarantineWriter::Open(const std::shared_ptr<arrow::Schema>& schema) {
  const fs::path path = NumberedPath(path_, files_.size());
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(const QuarantineFormat format, QuarantineFormatOf(path_));
  auto file = arrow::io::FileOutputStream::Open(path.string());
  if (!file.ok()) return WriteError(path, file.status().message());
  std::shared_ptr<arrow::io::OutputStream> out = *file;
  if (format == QuarantineFormat::kParquet) {
    try {
      auto writer = parquet::arrow::FileWriter::Open(
          *schema, arrow::default_memory_pool(), out, parquet::default_writer_properties(),
          parquet::ArrowWriterProperties::Builder().store_schema()->build());
      if (!writer.ok()) return WriteError(path, writer.status().message());
      sink_ = std::make_unique<ParquetSink>(out, std::move(writer).ValueOrDie());
    } catch (const std::exception& e) {
      return WriteError(path, e.what());
    }
  } else if (format == QuarantineFormat::kCsv) {
    auto writer = arrow::csv::MakeCSVWriter(out, schema);
    if (!writer.ok()) return WriteError(path, writer.status().message());
    sink_ = std::make_unique<FlushingSink>(out, *writer);
  } else {
    auto writer = format == QuarantineFormat::kArrowStream
                      ? arrow::ipc::MakeStreamWriter(out, schema)
                      : arrow::ipc::MakeFileWriter(out, schema);
    if (!writer.ok()) return WriteError(path, writer.status().message());
    sink_ = std::make_unique<FlushingSink>(out, *writer);
  }
  schema_ = schema;
  files_.push_back(path);
  return Status::OK();
}

Status QuarantineWriter::Append(const arrow::RecordBatch& batch, const TransmissionResult& result,
                                int64_t first_row) {
  if (closed_) return InternalError("quarantine file " + path_.string() + " is already closed");
  if (result.failed_rows.empty()) return Status::OK();
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(std::shared_ptr<arrow::RecordBatch> failed,
                                 result.extract_failed_batch(batch));
  std::shared_ptr<arrow::Schema> schema = QuarantineSchema(*batch.schema());
  if (schema_ == nullptr || !schema_->Equals(*schema, /*check_metadata=*/false)) {
    if (sink_ != nullptr) {
      const arrow::Status closed = sink_->Close();
      sink_.reset();
      if (!closed.ok()) return WriteError(files_.back(), closed.message());
    }
    ARROW_ZEROBUS_RETURN_NOT_OK(Open(schema));
  }
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(std::shared_ptr<arrow::RecordBatch> rows,
                                 WithErrorColumns(*failed, result, first_row, schema_));
  const arrow::Status written = sink_->Write(*rows);
  if (!written.ok()) return WriteError(files_.back(), written.message());
  rows_written_ += rows->num_rows();
  return Status::OK();
}

Status QuarantineWriter::Close(const std::shared_ptr<arrow::Schema>& schema) {
  if (closed_) return Status::OK();
  closed_ = true;
  if (sink_ == nullptr && files_.empty() && schema != nullptr) {
    ARROW_ZEROBUS_RETURN_NOT_OK(Open(QuarantineSchema(*schema)));
  }
  if (sink_ == nullptr) return Status::OK();
  const arrow::Status status = sink_->Close();
  sink_.reset();
  if (!status.ok()) return WriteError(files_.back(), status.message());
  return Status::OK();
}

}  // namespace arrow_zerobus::cli
