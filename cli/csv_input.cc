#include "csv_input.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <set>

#include <arrow/array.h>
#include <arrow/buffer.h>
#include <arrow/builder.h>
#include <arrow/compute/api.h>
#include <arrow/csv/api.h>
#include <arrow/io/file.h>
#include <arrow/io/memory.h>
#include <arrow/ipc/reader.h>
#include <arrow/util/utf8.h>
#include <parquet/arrow/reader.h>
#include <nlohmann/json.hpp>

#include "common/text.h"

namespace arrow_zerobus::cli {
namespace {

// Arrow infers the types of CSV columns from the first block it reads; this much is read twice.
constexpr int64_t kInferenceBytes = 1 << 20;

// The first bytes of a stream (already read, to infer types) followed by the rest of it.
class PrefixedInputStream : public arrow::io::InputStream {
 public:
  PrefixedInputStream(std::shared_ptr<arrow::Buffer> prefix,
                      std::shared_ptr<arrow::io::InputStream> rest)
      : prefix_(std::move(prefix)), rest_(std::move(rest)) {}

  arrow::Status Close() override {
    closed_ = true;
    return rest_->Close();
  }
  bool closed() const override { return closed_; }
  arrow::Result<int64_t> Tell() const override { return position_; }

  arrow::Result<int64_t> Read(int64_t nbytes, void* out) override {
    int64_t done = std::min(nbytes, prefix_->size() - offset_);
    if (done > 0) {
      std::memcpy(out, prefix_->data() + offset_, static_cast<size_t>(done));
      offset_ += done;
    }
    if (done < nbytes) {
      ARROW_ASSIGN_OR_RAISE(const int64_t more,
                            rest_->Read(nbytes - done, static_cast<uint8_t*>(out) + done));
      done += more;
    }
    position_ += done;
    return done;
  }

  arrow::Result<std::shared_ptr<arrow::Buffer>> Read(int64_t nbytes) override {
    ARROW_ASSIGN_OR_RAISE(std::unique_ptr<arrow::ResizableBuffer> buffer,
                          arrow::AllocateResizableBuffer(nbytes));
    ARROW_ASSIGN_OR_RAISE(const int64_t read, Read(nbytes, buffer->mutable_data()));
    ARROW_RETURN_NOT_OK(buffer->Resize(read));
    return std::shared_ptr<arrow::Buffer>(std::move(buffer));
  }

 private:
  std::shared_ptr<arrow::Buffer> prefix_;
  std::shared_ptr<arrow::io::InputStream> rest_;
  int64_t offset_ = 0;
  int64_t position_ = 0;
  bool closed_ = false;
};

// A row with the wrong number of fields, skipped by the parser.
struct RaggedRow {
  int64_t line = 0;
  std::string message;
};

Status ReadError(const std::string& name, const std::string& message) {
  return IoError("cannot read " + name + ": " + message);
}

arrow::csv::ConvertOptions InferenceOptions(const CsvOptions& options) {
  auto convert = arrow::csv::ConvertOptions::Defaults();
  if (options.null_values) convert.null_values = *options.null_values;
  convert.strings_can_be_null = options.strings_can_be_null;
  if (options.schema != nullptr) {
    // Read as text here: the types are the schema's, and a bad value fails only its row later.
    for (const auto& field : options.schema->fields()) {
      convert.column_types[field->name()] = arrow::utf8();
    }
  }
  return convert;
}

// The column types: as --schema gives them, else as Arrow infers them from the first block (a
// column with no value there is read as text).
Result<std::shared_ptr<arrow::Schema>> InferSchema(const std::string& name,
                                                   const std::shared_ptr<arrow::Buffer>& head,
                                                   const CsvOptions& options) {
  auto read = arrow::csv::ReadOptions::Defaults();
  read.use_threads = false;
  read.block_size = static_cast<int32_t>(std::max<int64_t>(head->size(), 1));
  auto parse = arrow::csv::ParseOptions::Defaults();
  parse.delimiter = options.delimiter;
  parse.invalid_row_handler = [](const arrow::csv::InvalidRow&) {
    return arrow::csv::InvalidRowResult::Skip;  // counted in the real read
  };
  auto reader = arrow::csv::StreamingReader::Make(arrow::io::default_io_context(),
                                                  std::make_shared<arrow::io::BufferReader>(head),
                                                  read, parse, InferenceOptions(options));
  if (!reader.ok()) return ReadError(name, reader.status().message());
  arrow::FieldVector fields;
  for (const auto& field : (*reader)->schema()->fields()) {
    const auto given =
        options.schema != nullptr ? options.schema->GetFieldByName(field->name()) : nullptr;
    if (given != nullptr) {
      fields.push_back(field->WithType(given->type()));
    } else if (field->type()->id() == arrow::Type::NA) {
      fields.push_back(field->WithType(arrow::utf8()));
    } else {
      fields.push_back(field);
    }
  }
  return arrow::schema(std::move(fields));
}

bool IsText(const arrow::DataType& type) {
  return type.id() == arrow::Type::STRING || type.id() == arrow::Type::LARGE_STRING;
}

}  // namespace

struct CsvBatchReader::Impl {
  CsvOptions options;
  std::set<std::string, std::less<>> null_values;     // looked up by string_view
  std::shared_ptr<arrow::csv::StreamingReader> text;  ///< every column as text
  std::mutex ragged_mu;
  std::deque<RaggedRow> ragged;  ///< filled by the parser, taken in line order
  int64_t data_rows = 0;         ///< rows converted so far
  int64_t ragged_taken = 0;
  bool finished = false;

  // The line of data row `index` (0-based): after the header, one line per row, counting the
  // ragged rows before it. A quoted value with a line break shifts later numbers.
  int64_t LineOf(int64_t index) const { return 2 + index + ragged_taken; }
};

Result<std::shared_ptr<CsvBatchReader>> CsvBatchReader::Open(
    std::string name, std::shared_ptr<arrow::io::InputStream> in, const CsvOptions& options,
    int64_t max_rows) {
  auto head = in->Read(kInferenceBytes);
  if (!head.ok()) return ReadError(name, head.status().message());
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(std::shared_ptr<arrow::Schema> schema,
                                 InferSchema(name, *head, options));
  std::shared_ptr<CsvBatchReader> reader(new CsvBatchReader());
  reader->name_ = std::move(name);
  reader->schema_ = schema;
  reader->max_rows_ = max_rows;
  reader->impl_ = std::make_shared<Impl>();
  Impl& impl = *reader->impl_;
  impl.options = options;
  const auto defaults = arrow::csv::ConvertOptions::Defaults();
  const auto& nulls = options.null_values ? *options.null_values : defaults.null_values;
  impl.null_values.insert(nulls.begin(), nulls.end());

  auto read = arrow::csv::ReadOptions::Defaults();
  read.use_threads = false;  // rows reach the invalid-row handler in order, with line numbers
  auto parse = arrow::csv::ParseOptions::Defaults();
  parse.delimiter = options.delimiter;
  const int expected = schema->num_fields();
  std::weak_ptr<Impl> weak = reader->impl_;
  parse.invalid_row_handler = [weak, expected](const arrow::csv::InvalidRow& row) {
    if (auto impl = weak.lock()) {
      std::lock_guard<std::mutex> lock(impl->ragged_mu);
      std::string text(row.text.substr(0, 80));
      impl->ragged.push_back({row.number, std::to_string(row.actual_columns) + " fields, " +
                                              std::to_string(expected) + " expected: '" + text +
                                              (row.text.size() > 80 ? "...'" : "'")});
    }
    return arrow::csv::InvalidRowResult::Skip;
  };
  auto convert = arrow::csv::ConvertOptions::Defaults();
  convert.default_column_type = arrow::utf8();  // converted here, value by value when needed
  convert.check_utf8 = false;
  convert.null_values.clear();
  convert.strings_can_be_null = false;
  convert.quoted_strings_can_be_null = false;
  auto text = arrow::csv::StreamingReader::Make(
      arrow::io::default_io_context(), std::make_shared<PrefixedInputStream>(*head, std::move(in)),
      read, parse, convert);
  if (!text.ok()) return ReadError(reader->name_, text.status().message());
  impl.text = *text;
  return reader;
}

namespace {

// Converts one text column to `type`, failing the rows whose text it cannot hold.
class ColumnConverter {
 public:
  ColumnConverter(const std::set<std::string, std::less<>>& null_values, bool strings_can_be_null)
      : null_values_(null_values), strings_can_be_null_(strings_can_be_null) {}

  // `line_of(i)` is the line of row i; `failed[i]` gets the first failure of row i.
  Result<std::shared_ptr<arrow::Array>> Convert(const arrow::StringArray& text,
                                                const arrow::Field& field,
                                                const std::function<int64_t(int64_t)>& line_of,
                                                std::vector<std::optional<Status>>* failed) {
    const bool is_text = IsText(*field.type());
    const bool reads_markers = !is_text || strings_can_be_null_;
    arrow::StringBuilder cleaned;
    ARROW_ZEROBUS_RETURN_NOT_OK(FromArrow(cleaned.Reserve(text.length())));
    for (int64_t i = 0; i < text.length(); ++i) {
      const std::string_view value = text.GetView(i);
      bool null = text.IsNull(i) || (reads_markers && null_values_.count(value) > 0);
      if (!null && is_text && !ValidUtf8(value)) {
        Fail(failed, i, line_of(i), field, value, "is not valid UTF-8");
        null = true;
      }
      ARROW_ZEROBUS_RETURN_NOT_OK(FromArrow(null ? cleaned.AppendNull() : cleaned.Append(value)));
    }
    std::shared_ptr<arrow::Array> values;
    ARROW_ZEROBUS_RETURN_NOT_OK(FromArrow(cleaned.Finish(&values)));
    if (field.type()->id() == arrow::Type::STRING) return values;
    auto cast = arrow::compute::Cast(*values, field.type());
    if (cast.ok()) return *cast;
    // Some value does not convert: find which, fail those rows and convert the rest.
    const auto& strings = static_cast<const arrow::StringArray&>(*values);
    arrow::StringBuilder good;
    ARROW_ZEROBUS_RETURN_NOT_OK(FromArrow(good.Reserve(strings.length())));
    for (int64_t i = 0; i < strings.length(); ++i) {
      bool ok = !strings.IsNull(i);
      if (ok) {
        auto one = arrow::compute::Cast(*strings.Slice(i, 1), field.type());
        if (!one.ok()) {
          Fail(failed, i, line_of(i), field, strings.GetView(i),
               "is not a valid " + field.type()->ToString());
          ok = false;
        }
      }
      ARROW_ZEROBUS_RETURN_NOT_OK(
          FromArrow(ok ? good.Append(strings.GetView(i)) : good.AppendNull()));
    }
    std::shared_ptr<arrow::Array> convertible;
    ARROW_ZEROBUS_RETURN_NOT_OK(FromArrow(good.Finish(&convertible)));
    auto converted = arrow::compute::Cast(*convertible, field.type());
    if (!converted.ok()) return InternalError("CSV conversion: " + converted.status().message());
    return *converted;
  }

 private:
  static Status FromArrow(const arrow::Status& status) {
    return status.ok() ? Status::OK() : InternalError("CSV conversion: " + status.message());
  }

  static bool ValidUtf8(std::string_view value) {
    static const bool tables_ready = (arrow::util::InitializeUTF8(), true);
    (void)tables_ready;
    return arrow::util::ValidateUTF8(reinterpret_cast<const uint8_t*>(value.data()),
                                     static_cast<int64_t>(value.size()));
  }

  static void Fail(std::vector<std::optional<Status>>* failed, int64_t row, int64_t line,
                   const arrow::Field& field, std::string_view value, const std::string& why) {
    if ((*failed)[row].has_value()) return;
    std::string shown(value.substr(0, 60));
    if (value.size() > 60) shown += "...";
    (*failed)[row] = ConversionError("line " + std::to_string(line) + ", column '" + field.name() +
                                     "': '" + shown + "' " + why);
  }

  const std::set<std::string, std::less<>>& null_values_;
  bool strings_can_be_null_;
};

}  // namespace

// Reads the next text batch and converts it: typed columns, with the ragged rows that came
// before and among its rows interleaved as all-null failed rows, so that row numbers stay those
// of the file.
Status CsvBatchReader::ConvertNext() {
  Impl& impl = *impl_;
  std::shared_ptr<arrow::RecordBatch> text;
  arrow::Status read = impl.text->ReadNext(&text);
  if (!read.ok()) return ReadError(name_, read.message());
  const int64_t rows = text == nullptr ? 0 : text->num_rows();
  if (text == nullptr) impl.finished = true;

  // Each data row's line, and the ragged rows to place before it.
  std::vector<int64_t> lines(static_cast<size_t>(rows));
  std::vector<std::vector<RaggedRow>> ragged_before(static_cast<size_t>(rows) + 1);
  {
    std::lock_guard<std::mutex> lock(impl.ragged_mu);
    for (int64_t i = 0; i <= rows; ++i) {
      const bool end = i == rows;
      while (!impl.ragged.empty() &&
             (end ? impl.finished : impl.ragged.front().line <= impl.LineOf(impl.data_rows + i))) {
        ragged_before[i].push_back(std::move(impl.ragged.front()));
        impl.ragged.pop_front();
        ++impl.ragged_taken;
      }
      if (!end) lines[i] = impl.LineOf(impl.data_rows + i);
    }
  }
  std::vector<std::optional<Status>> failed(static_cast<size_t>(rows));
  std::vector<std::shared_ptr<arrow::Array>> columns;
  ColumnConverter converter(impl.null_values, impl.options.strings_can_be_null);
  for (int c = 0; rows > 0 && c < schema_->num_fields(); ++c) {
    const auto& strings = static_cast<const arrow::StringArray&>(*text->column(c));
    ARROW_ZEROBUS_ASSIGN_OR_RETURN(auto column, converter.Convert(
                                                    strings, *schema_->field(c),
                                                    [&](int64_t i) { return lines[i]; }, &failed));
    columns.push_back(std::move(column));
  }
  impl.data_rows += rows;

  // Interleave: data row i keeps index i; a ragged row takes a null index (all-null row).
  arrow::Int64Builder indices;
  converted_errors_.clear();
  int64_t out_row = 0;
  for (int64_t i = 0; i <= rows; ++i) {
    for (const RaggedRow& ragged : ragged_before[i]) {
      (void)indices.AppendNull();
      converted_errors_.push_back(
          {out_row++,
           ConversionError("line " + std::to_string(ragged.line) + ": " + ragged.message)});
    }
    if (i == rows) break;
    (void)indices.Append(i);
    if (failed[i].has_value()) converted_errors_.push_back({out_row, *failed[i]});
    ++out_row;
  }
  std::shared_ptr<arrow::Array> index_array;
  if (!indices.Finish(&index_array).ok()) return InternalError("CSV: cannot build row indices");
  std::shared_ptr<arrow::RecordBatch> typed;
  if (rows > 0) {
    typed = arrow::RecordBatch::Make(schema_, rows, columns);
  } else {
    auto empty = arrow::RecordBatch::MakeEmpty(schema_);
    if (!empty.ok()) return InternalError("CSV: " + empty.status().message());
    typed = *empty;
  }
  if (out_row == rows) {
    converted_ = typed;
  } else {
    auto taken = arrow::compute::Take(typed, index_array);
    if (!taken.ok()) return InternalError("CSV: " + taken.status().message());
    converted_ = taken->record_batch();
  }
  offset_ = 0;
  return Status::OK();
}

arrow::Status CsvBatchReader::ReadNext(std::shared_ptr<arrow::RecordBatch>* batch) {
  row_errors_.clear();
  while (converted_ == nullptr || offset_ >= converted_->num_rows()) {
    if (impl_->finished) {
      *batch = nullptr;
      return arrow::Status::OK();
    }
    const Status converted = ConvertNext();
    if (!converted.ok()) return arrow::Status::IOError(converted.message());
  }
  const int64_t rows = std::min(max_rows_, converted_->num_rows() - offset_);
  *batch = converted_->Slice(offset_, rows);
  for (const RowFailure& failure : converted_errors_) {
    if (failure.row >= offset_ && failure.row < offset_ + rows) {
      row_errors_.push_back({failure.row - offset_, failure.error});
    }
  }
  offset_ += rows;
  return arrow::Status::OK();
}

// ---- --schema FILE ----

namespace {

Result<std::shared_ptr<arrow::DataType>> ParseTypeName(std::string text) {
  text = AsciiLower(std::string(TrimWhitespace(text)));
  static const std::pair<const char*, std::shared_ptr<arrow::DataType>> kSimple[] = {
      {"bool", arrow::boolean()},
      {"boolean", arrow::boolean()},
      {"int8", arrow::int8()},
      {"int16", arrow::int16()},
      {"int32", arrow::int32()},
      {"int64", arrow::int64()},
      {"uint8", arrow::uint8()},
      {"uint16", arrow::uint16()},
      {"uint32", arrow::uint32()},
      {"uint64", arrow::uint64()},
      {"float", arrow::float32()},
      {"float32", arrow::float32()},
      {"double", arrow::float64()},
      {"float64", arrow::float64()},
      {"string", arrow::utf8()},
      {"utf8", arrow::utf8()},
      {"large_string", arrow::large_utf8()},
      {"large_utf8", arrow::large_utf8()},
      {"binary", arrow::binary()},
      {"date32", arrow::date32()},
      {"date32[day]", arrow::date32()},
      {"date64", arrow::date64()},
      {"date64[ms]", arrow::date64()},
  };
  for (const auto& [name, type] : kSimple) {
    if (text == name) return type;
  }
  int precision = 0;
  int scale = 0;
  if (std::sscanf(text.c_str(), "decimal128(%d, %d)", &precision, &scale) == 2 ||
      std::sscanf(text.c_str(), "decimal128(%d,%d)", &precision, &scale) == 2 ||
      std::sscanf(text.c_str(), "decimal(%d, %d)", &precision, &scale) == 2 ||
      std::sscanf(text.c_str(), "decimal(%d,%d)", &precision, &scale) == 2) {
    auto type = arrow::Decimal128Type::Make(precision, scale);
    if (!type.ok()) return ConfigurationError(type.status().message());
    return std::shared_ptr<arrow::DataType>(*type);
  }
  if (text.rfind("timestamp[", 0) == 0 && text.back() == ']') {
    const std::string inside = text.substr(10, text.size() - 11);
    const std::string unit_text = inside.substr(0, inside.find(','));
    std::string zone;
    if (const size_t tz = inside.find("tz="); tz != std::string::npos) {
      zone = std::string(TrimWhitespace(inside.substr(tz + 3)));
      if (AsciiLower(zone) == "utc") zone = "UTC";
    }
    static const std::pair<const char*, arrow::TimeUnit::type> kUnits[] = {
        {"s", arrow::TimeUnit::SECOND},
        {"ms", arrow::TimeUnit::MILLI},
        {"us", arrow::TimeUnit::MICRO},
        {"ns", arrow::TimeUnit::NANO}};
    for (const auto& [unit, value] : kUnits) {
      if (unit_text == unit) return arrow::timestamp(value, zone);
    }
  }
  return ConfigurationError("unknown type '" + text +
                            "' (use pyarrow's names: int64, double, string, bool, date32, "
                            "timestamp[us, tz=UTC], decimal128(12, 2), ...)");
}

}  // namespace

Result<std::shared_ptr<arrow::Schema>> ReadSchemaFile(const std::string& path) {
  const std::string extension = AsciiLower(std::filesystem::path(path).extension().string());
  const std::string where = "--schema " + path;
  if (extension == ".json") {
    std::ifstream in(path);
    if (!in) return ConfigurationError(where + ": cannot read the file");
    const auto json = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
    if (!json.is_object() || json.empty()) {
      return ConfigurationError(where +
                                ": expected a JSON object of column name to type name, "
                                "e.g. {\"id\": \"int64\", \"amount\": \"decimal128(12, 2)\"}");
    }
    arrow::FieldVector fields;
    for (const auto& [name, type] : json.items()) {
      if (!type.is_string()) {
        return ConfigurationError(where + ": column '" + name + "': the type must be a string");
      }
      auto parsed = ParseTypeName(type.get<std::string>());
      if (!parsed.ok()) {
        return ConfigurationError(where + ": column '" + name + "': " + parsed.status().message());
      }
      fields.push_back(arrow::field(name, *parsed));
    }
    return arrow::schema(std::move(fields));
  }
  auto file = arrow::io::ReadableFile::Open(path);
  if (!file.ok()) return ConfigurationError(where + ": " + file.status().message());
  if (extension == ".parquet" || extension == ".pq") {
    auto reader = parquet::arrow::OpenFile(*file, arrow::default_memory_pool());
    std::shared_ptr<arrow::Schema> schema;
    arrow::Status status = reader.status();
    if (status.ok()) status = (*reader)->GetSchema(&schema);
    if (!status.ok()) return ConfigurationError(where + ": " + status.message());
    return schema;
  }
  if (extension == ".arrow" || extension == ".feather" || extension == ".arrows" ||
      extension == ".ipc") {
    auto as_file = arrow::ipc::RecordBatchFileReader::Open(*file);
    if (as_file.ok()) return (*as_file)->schema();
    (void)(*file)->Seek(0);
    auto as_stream = arrow::ipc::RecordBatchStreamReader::Open(*file);
    if (as_stream.ok()) return (*as_stream)->schema();
    return ConfigurationError(where + ": not an Arrow IPC file: " + as_stream.status().message());
  }
  return ConfigurationError(where + ": use a .json (column: type), .parquet or Arrow IPC file");
}

}  // namespace arrow_zerobus::cli
