// Opens send inputs with Arrow's readers and slices their batches to the requested size.
#include "input_readers.h"
#include "common/text.h"

#include <glob.h>

#include <algorithm>
#include <cctype>
#include <exception>
#include <utility>

#include <arrow/csv/api.h>
#include <arrow/io/compressed.h>
#include <arrow/io/file.h>
#include <arrow/io/stdio.h>
#include <arrow/ipc/reader.h>
#include <arrow/json/reader.h>
#include <arrow/util/compression.h>
#include <parquet/arrow/reader.h>
#include <parquet/file_reader.h>
#include <parquet/metadata.h>

namespace arrow_zerobus::cli {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kArrowFileMagic = "ARROW1";

Status OpenError(const fs::path& path, const std::string& message) {
  return IoError("cannot read " + path.string() + ": " + message);
}

// Yields the batches of `inner` sliced to at most `max_rows` rows, skipping empty ones, with the
// file's path in front of every error. `owner` keeps alive what `inner` reads from.
class SlicingReader : public arrow::RecordBatchReader {
 public:
  SlicingReader(std::string path, std::shared_ptr<void> owner,
                std::shared_ptr<arrow::RecordBatchReader> inner, int64_t max_rows)
      : path_(std::move(path)),
        owner_(std::move(owner)),
        inner_(std::move(inner)),
        max_rows_(max_rows) {}

  std::shared_ptr<arrow::Schema> schema() const override { return inner_->schema(); }

  arrow::Status ReadNext(std::shared_ptr<arrow::RecordBatch>* batch) override {
    while (pending_ == nullptr || offset_ >= pending_->num_rows()) {
      pending_.reset();
      offset_ = 0;
      arrow::Status status;
      try {
        status = inner_->ReadNext(&pending_);
      } catch (const std::exception& e) {
        status = arrow::Status::IOError(e.what());
      }
      if (!status.ok()) return status.WithMessage(path_ + ": " + status.message());
      if (pending_ == nullptr) {
        *batch = nullptr;
        return arrow::Status::OK();
      }
    }
    const int64_t rows = std::min(max_rows_, pending_->num_rows() - offset_);
    *batch =
        (offset_ == 0 && rows == pending_->num_rows()) ? pending_ : pending_->Slice(offset_, rows);
    offset_ += rows;
    return arrow::Status::OK();
  }

  arrow::Status Close() override { return inner_->Close(); }

 private:
  std::string path_;
  std::shared_ptr<void> owner_;  // destroyed after inner_, which may point into it
  std::shared_ptr<arrow::RecordBatchReader> inner_;
  int64_t max_rows_;
  std::shared_ptr<arrow::RecordBatch> pending_;
  int64_t offset_ = 0;
};

// The batches of an IPC file-format reader, in order.
class IpcFileBatchReader : public arrow::RecordBatchReader {
 public:
  explicit IpcFileBatchReader(std::shared_ptr<arrow::ipc::RecordBatchFileReader> file)
      : file_(std::move(file)) {}

  std::shared_ptr<arrow::Schema> schema() const override { return file_->schema(); }

  arrow::Status ReadNext(std::shared_ptr<arrow::RecordBatch>* batch) override {
    if (next_ >= file_->num_record_batches()) {
      *batch = nullptr;
      return arrow::Status::OK();
    }
    ARROW_ASSIGN_OR_RAISE(*batch, file_->ReadRecordBatch(next_));
    ++next_;
    return arrow::Status::OK();
  }

 private:
  std::shared_ptr<arrow::ipc::RecordBatchFileReader> file_;
  int next_ = 0;
};

Result<std::shared_ptr<arrow::io::ReadableFile>> OpenFile(const fs::path& path) {
  auto file = arrow::io::ReadableFile::Open(path.string());
  if (!file.ok()) return OpenError(path, file.status().message());
  return std::move(file).ValueOrDie();
}

// The bytes of a streaming format (CSV, NDJSON, Arrow IPC stream): standard input for "-", a file
// decompressed on the fly when its extension names a codec, or the file itself. Sets
// source.bytes_read from the position in what is read from disk.
Result<std::shared_ptr<arrow::io::InputStream>> OpenStream(const fs::path& path,
                                                           InputSource& source) {
  if (IsStdin(path)) {
    auto in = std::make_shared<arrow::io::StdinStream>();
    source.bytes_read = [in] {
      auto position = in->Tell();
      return position.ok() ? *position : int64_t{0};
    };
    return std::shared_ptr<arrow::io::InputStream>(std::move(in));
  }
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(std::shared_ptr<arrow::io::ReadableFile> file, OpenFile(path));
  source.bytes_read = [file] {
    auto position = file->Tell();
    return position.ok() ? *position : int64_t{0};
  };
  const std::optional<arrow::Compression::type> compression = CompressionOf(path);
  if (!compression.has_value()) return std::shared_ptr<arrow::io::InputStream>(file);
  auto codec = arrow::util::Codec::Create(*compression);
  if (!codec.ok()) return OpenError(path, codec.status().message());
  // The stream reads through the codec it is given, so the two live and die together.
  struct Decompressing {
    std::unique_ptr<arrow::util::Codec> codec;
    std::shared_ptr<arrow::io::CompressedInputStream> stream;
  };
  auto decompressing = std::make_shared<Decompressing>();
  decompressing->codec = std::move(codec).ValueOrDie();
  auto stream = arrow::io::CompressedInputStream::Make(decompressing->codec.get(), file);
  if (!stream.ok()) return OpenError(path, stream.status().message());
  decompressing->stream = std::move(stream).ValueOrDie();
  return std::shared_ptr<arrow::io::InputStream>(decompressing, decompressing->stream.get());
}

Status OpenParquet(const fs::path& path, const InputOptions& options, InputSource& source) {
  parquet::ArrowReaderProperties properties;
  properties.set_batch_size(options.batch_rows);
  // Arrow's default pre-buffers the column chunks of every row group the reader covers, here the
  // whole file: a 10 GB file would be held in memory. Read one page at a time instead.
  properties.set_pre_buffer(false);
  parquet::arrow::FileReaderBuilder builder;
  std::shared_ptr<parquet::arrow::FileReader> file_reader;
  std::shared_ptr<arrow::RecordBatchReader> batches;
  try {
    arrow::Status opened = builder.OpenFile(path.string());
    if (!opened.ok()) return OpenError(path, opened.message());
    auto built = builder.properties(properties)->Build();
    if (!built.ok()) return OpenError(path, built.status().message());
    file_reader = std::move(built).ValueOrDie();
    source.total_rows = file_reader->parquet_reader()->metadata()->num_rows();
    auto reader = file_reader->GetRecordBatchReader();
    if (!reader.ok()) return OpenError(path, reader.status().message());
    batches = std::move(reader).ValueOrDie();
  } catch (const std::exception& e) {
    return OpenError(path, e.what());
  }
  source.reader = std::make_shared<SlicingReader>(path.string(), file_reader, std::move(batches),
                                                  options.batch_rows);
  return Status::OK();
}

Status OpenArrowStream(const fs::path& path, const InputOptions& options, InputSource& source) {
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(std::shared_ptr<arrow::io::InputStream> in,
                                 OpenStream(path, source));
  auto reader = arrow::ipc::RecordBatchStreamReader::Open(in);
  if (!reader.ok()) return OpenError(path, reader.status().message());
  source.reader = std::make_shared<SlicingReader>(path.string(), in, *reader, options.batch_rows);
  return Status::OK();
}

Status OpenArrow(const fs::path& path, const InputOptions& options, InputSource& source) {
  // Standard input and compressed files cannot seek: they are read as IPC streams.
  if (IsStdin(path) || CompressionOf(path).has_value()) {
    return OpenArrowStream(path, options, source);
  }
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(std::shared_ptr<arrow::io::ReadableFile> file, OpenFile(path));
  auto head = file->ReadAt(0, static_cast<int64_t>(kArrowFileMagic.size()));
  if (!head.ok()) return OpenError(path, head.status().message());
  source.ipc_file_format = (*head)->ToString() == kArrowFileMagic;
  const arrow::Status rewound = file->Seek(0);
  if (!rewound.ok()) return OpenError(path, rewound.message());
  std::shared_ptr<arrow::RecordBatchReader> batches;
  if (source.ipc_file_format) {
    auto reader = arrow::ipc::RecordBatchFileReader::Open(file);
    if (!reader.ok()) return OpenError(path, reader.status().message());
    auto rows = (*reader)->CountRows();
    if (!rows.ok()) return OpenError(path, rows.status().message());
    source.total_rows = *rows;
    batches = std::make_shared<IpcFileBatchReader>(*reader);
  } else {
    auto reader = arrow::ipc::RecordBatchStreamReader::Open(file);
    if (!reader.ok()) return OpenError(path, reader.status().message());
    batches = *reader;
    source.bytes_read = [file] {
      auto position = file->Tell();
      return position.ok() ? *position : int64_t{0};
    };
  }
  source.reader =
      std::make_shared<SlicingReader>(path.string(), file, std::move(batches), options.batch_rows);
  return Status::OK();
}

Status OpenCsv(const fs::path& path, const InputOptions& options, InputSource& source) {
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(std::shared_ptr<arrow::io::InputStream> file,
                                 OpenStream(path, source));
  CsvOptions csv = options.csv;
  csv.delimiter = source.format == InputFormat::kTsv ? '\t' : ',';
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(
      std::shared_ptr<CsvBatchReader> reader,
      CsvBatchReader::Open(IsStdin(path) ? "standard input" : path.string(), std::move(file), csv,
                           options.batch_rows));
  source.take_row_errors = [reader] { return reader->TakeRowErrors(); };
  source.reader = std::move(reader);
  return Status::OK();
}

Status OpenJson(const fs::path& path, const InputOptions& options, InputSource& source) {
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(std::shared_ptr<arrow::io::InputStream> file,
                                 OpenStream(path, source));
  auto parse = arrow::json::ParseOptions::Defaults();
  if (options.csv.schema != nullptr) {  // --schema: these columns' types, the others inferred
    parse.explicit_schema = options.csv.schema;
    parse.unexpected_field_behavior = arrow::json::UnexpectedFieldBehavior::InferType;
  }
  auto reader =
      arrow::json::StreamingReader::Make(file, arrow::json::ReadOptions::Defaults(), parse);
  if (!reader.ok()) return OpenError(path, reader.status().message());
  std::shared_ptr<arrow::json::StreamingReader> json = *reader;
  source.reader = std::make_shared<SlicingReader>(path.string(), file, json, options.batch_rows);
  return Status::OK();
}

}  // namespace

bool IsStdin(const fs::path& path) { return path == "-"; }

std::optional<arrow::Compression::type> CompressionOf(const fs::path& path) {
  const std::string extension = AsciiLower(path.extension().string());
  if (extension == ".gz" || extension == ".gzip") return arrow::Compression::GZIP;
  if (extension == ".zst" || extension == ".zstd") return arrow::Compression::ZSTD;
  if (extension == ".bz2") return arrow::Compression::BZ2;
  if (extension == ".lz4") return arrow::Compression::LZ4_FRAME;
  return std::nullopt;
}

namespace {

bool IsGlobPattern(const std::string& text) {
  return text.find_first_of("*?[") != std::string::npos;
}

// Files Spark, Hadoop and editors leave beside data (_SUCCESS, .crc files, ...).
bool IsHiddenOrMarker(const fs::path& path) {
  const std::string name = path.filename().string();
  return !name.empty() && (name[0] == '.' || name[0] == '_');
}

Status AddDirectory(const fs::path& dir, std::optional<InputFormat> format,
                    std::vector<fs::path>* out) {
  std::vector<fs::path> found;
  std::error_code error;
  auto it =
      fs::recursive_directory_iterator(dir, fs::directory_options::skip_permission_denied, error);
  for (; !error && it != fs::recursive_directory_iterator(); it.increment(error)) {
    if (IsHiddenOrMarker(it->path())) {
      if (it->is_directory(error)) it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file(error)) continue;
    if (format.has_value() || DetectInputFormat(it->path()).ok()) found.push_back(it->path());
  }
  if (error) return IoError("cannot list " + dir.string() + ": " + error.message());
  if (found.empty()) {
    return ConfigurationError("directory " + dir.string() +
                              " holds no input file (by extension: .parquet .arrow .arrows "
                              ".feather .ipc .csv .tsv .json .jsonl .ndjson, optionally .gz .zst "
                              ".bz2 .lz4)");
  }
  std::sort(found.begin(), found.end());
  out->insert(out->end(), found.begin(), found.end());
  return Status::OK();
}

Status AddGlob(const std::string& pattern, std::vector<fs::path>* out) {
  glob_t matches{};
  const int result = ::glob(pattern.c_str(), GLOB_ERR, nullptr, &matches);
  if (result == GLOB_NOMATCH) {
    globfree(&matches);
    return ConfigurationError("no file matches " + pattern);
  }
  if (result != 0) {
    globfree(&matches);
    return IoError("cannot expand " + pattern + " (a directory could not be read)");
  }
  for (size_t i = 0; i < matches.gl_pathc; ++i) out->emplace_back(matches.gl_pathv[i]);
  globfree(&matches);
  return Status::OK();
}

}  // namespace

Result<std::vector<fs::path>> ExpandInputs(const std::vector<fs::path>& args,
                                           std::optional<InputFormat> format) {
  std::vector<fs::path> inputs;
  bool stdin_seen = false;
  for (const fs::path& arg : args) {
    std::error_code error;
    if (IsStdin(arg)) {
      if (stdin_seen) return ConfigurationError("standard input (-) can be read only once");
      stdin_seen = true;
      inputs.push_back(arg);
    } else if (fs::is_directory(arg, error)) {
      ARROW_ZEROBUS_RETURN_NOT_OK(AddDirectory(arg, format, &inputs));
    } else if (!fs::exists(arg, error) && IsGlobPattern(arg.string())) {
      const size_t before = inputs.size();
      ARROW_ZEROBUS_RETURN_NOT_OK(AddGlob(arg.string(), &inputs));
      for (size_t i = before; i < inputs.size(); ++i) {
        if (!fs::is_directory(inputs[i], error)) continue;
        std::vector<fs::path> nested;
        ARROW_ZEROBUS_RETURN_NOT_OK(AddDirectory(inputs[i], format, &nested));
        inputs.erase(inputs.begin() + static_cast<long>(i));
        inputs.insert(inputs.begin() + static_cast<long>(i), nested.begin(), nested.end());
        i += nested.size() - 1;
      }
    } else {
      inputs.push_back(arg);
    }
  }
  return inputs;
}

std::string_view InputFormatName(InputFormat format) {
  switch (format) {
    case InputFormat::kParquet:
      return "parquet";
    case InputFormat::kArrow:
      return "arrow";
    case InputFormat::kCsv:
      return "csv";
    case InputFormat::kTsv:
      return "tsv";
    case InputFormat::kJson:
      return "json";
  }
  return "parquet";
}

Result<InputFormat> ParseInputFormat(std::string_view name) {
  const std::string word = AsciiLower(std::string(name));
  if (word == "parquet" || word == "pq") return InputFormat::kParquet;
  if (word == "arrow" || word == "ipc" || word == "feather" || word == "arrows") {
    return InputFormat::kArrow;
  }
  if (word == "csv") return InputFormat::kCsv;
  if (word == "tsv") return InputFormat::kTsv;
  if (word == "json" || word == "jsonl" || word == "ndjson") return InputFormat::kJson;
  return ConfigurationError("unknown input format '" + std::string(name) +
                            "' (parquet, arrow, csv, tsv or json)");
}

Result<InputFormat> DetectInputFormat(const fs::path& path, std::optional<InputFormat> forced) {
  if (IsStdin(path) && !forced.has_value()) {
    return ConfigurationError(
        "reading standard input (-) needs --input-format arrow|csv|tsv|json (an Arrow IPC "
        "stream, CSV, TSV or NDJSON)");
  }
  const bool compressed = CompressionOf(path).has_value();
  const std::string extension =
      AsciiLower((compressed ? path.stem().extension() : path.extension()).string());
  if (forced.has_value()) {
    if (*forced == InputFormat::kCsv && extension == ".tsv") return InputFormat::kTsv;
    return *forced;
  }
  if (extension == ".parquet" || extension == ".pq") {
    if (compressed) {
      return ConfigurationError(path.string() +
                                ": Parquet compresses its pages itself; decompress the file first");
    }
    return InputFormat::kParquet;
  }
  if (extension == ".arrow" || extension == ".feather" || extension == ".ipc" ||
      extension == ".arrows") {
    return InputFormat::kArrow;
  }
  if (extension == ".csv") return InputFormat::kCsv;
  if (extension == ".tsv") return InputFormat::kTsv;
  if (extension == ".json" || extension == ".jsonl" || extension == ".ndjson") {
    return InputFormat::kJson;
  }
  return ConfigurationError(
      "cannot tell the format of " + path.string() +
      " from its extension (.parquet .pq .arrow .arrows .feather .ipc .csv .tsv .json .jsonl "
      ".ndjson, each but Parquet also compressed: .gz .zst .bz2 .lz4); give --input-format "
      "parquet|arrow|csv|tsv|json");
}

Result<InputSource> OpenInput(const fs::path& path, const InputOptions& options) {
  if (options.batch_rows < 1) {
    return ConfigurationError("batch rows must be at least 1, not " +
                              std::to_string(options.batch_rows));
  }
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(const InputFormat format, DetectInputFormat(path, options.format));
  InputSource source;
  source.path = path;
  source.format = format;
  if (IsStdin(path)) {
    if (format == InputFormat::kParquet) {
      return ConfigurationError("Parquet cannot be read from standard input (it needs to seek)");
    }
  } else {
    std::error_code error;
    if (!fs::is_regular_file(path, error)) {
      return OpenError(path, fs::exists(path, error) ? "not a regular file" : "no such file");
    }
    const auto size = fs::file_size(path, error);
    if (error) return OpenError(path, error.message());
    source.total_bytes = static_cast<int64_t>(size);
  }
  switch (format) {
    case InputFormat::kParquet:
      ARROW_ZEROBUS_RETURN_NOT_OK(OpenParquet(path, options, source));
      break;
    case InputFormat::kArrow:
      ARROW_ZEROBUS_RETURN_NOT_OK(OpenArrow(path, options, source));
      break;
    case InputFormat::kCsv:
    case InputFormat::kTsv:
      ARROW_ZEROBUS_RETURN_NOT_OK(OpenCsv(path, options, source));
      break;
    case InputFormat::kJson:
      ARROW_ZEROBUS_RETURN_NOT_OK(OpenJson(path, options, source));
      break;
  }
  return source;
}

}  // namespace arrow_zerobus::cli
