#include "encode/batch_encoder.h"

#include <algorithm>

#include <arrow/buffer.h>
#include <arrow/util/utf8.h>

#include "encode/array_decoding.h"
#include "encode/encoder_tree.h"
#include "encode/field_encoder.h"

namespace arrow_zerobus::encode {
namespace {

/// Rows per measure block: their sizes stay in cache while every column adds to them.
constexpr int64_t kMeasureBlockRows = 2048;

/// Output bytes per write block: a block's records stay in cache while each column is written
/// into them, and each column's input is still read in runs (wide rows need >= 16-row blocks).
constexpr int64_t kWriteBlockBytes = 32 * 1024;

std::string NamesMissingFrom(const arrow::Schema& from, const arrow::Schema& names) {
  std::string out;
  for (const auto& field : names.fields()) {
    if (from.GetFieldIndex(field->name()) != -1) continue;
    out += (out.empty() ? "'" : ", '") + field->name() + "'";
  }
  return out;
}

/// Per-row working memory kept per thread between batches: allocating it afresh for every batch
/// of a million rows costs page faults on 16 MB each time.
struct ScratchVectors {
  std::vector<uint64_t> sizes;
  std::vector<uint8_t*> cursors;

  /// Keeps at most what a 4-million-row batch needs.
  void ReleaseIfHuge() {
    constexpr size_t kKeepRows = 4 << 20;
    if (sizes.capacity() > kKeepRows) std::vector<uint64_t>().swap(sizes);
    if (cursors.capacity() > kKeepRows) std::vector<uint8_t*>().swap(cursors);
  }
};

ScratchVectors& ThreadScratch() {
  thread_local ScratchVectors scratch;
  return scratch;
}

Status CheckSchema(const arrow::Schema& expected, const arrow::Schema& actual) {
  if (expected.num_fields() != actual.num_fields()) {
    const std::string extra = NamesMissingFrom(expected, actual);
    const std::string missing = NamesMissingFrom(actual, expected);
    return ConversionError("batch has " + std::to_string(actual.num_fields()) +
                           " columns but its plan was made for " +
                           std::to_string(expected.num_fields()) +
                           (extra.empty() ? "" : "; extra column(s) " + extra) +
                           (missing.empty() ? "" : "; missing column(s) " + missing));
  }
  for (int i = 0; i < expected.num_fields(); ++i) {
    const arrow::Field& e = *expected.field(i);
    const arrow::Field& a = *actual.field(i);
    if (!e.Equals(a, /*check_metadata=*/false)) {
      return ConversionError("batch column " + std::to_string(i) + " is '" + a.name() + "' " +
                             a.type()->ToString() + (a.nullable() ? "" : " not null") +
                             " but the plan expects '" + e.name() + "' " + e.type()->ToString() +
                             (e.nullable() ? "" : " not null"));
    }
  }
  return Status::OK();
}

}  // namespace

Result<EncodedBatch> EncodeBatch(const schema::SchemaPlan& plan, const arrow::RecordBatch& batch,
                                 const EncodeOptions& options) {
  // arrow::util::ValidateUTF8 accepts everything until its tables are built.
  static const bool utf8_tables_ready = (arrow::util::InitializeUTF8(), true);
  (void)utf8_tables_ready;
  ARROW_ZEROBUS_RETURN_NOT_OK(CheckSchema(*plan.schema, *batch.schema()));
  const int64_t n = batch.num_rows();
  // Read from an IPC stream or imported through the C data interface, the row count is the
  // sender's word; a batch without columns has nothing that would contradict it.
  if (n < 0) return ConversionError("batch has a negative row count (" + std::to_string(n) + ")");
  std::vector<std::shared_ptr<arrow::Array>> columns = batch.columns();
  for (size_t c = 0; c < columns.size(); ++c) {
    const std::string& name = plan.fields[c].path;
    if (!columns[c]->type()->Equals(*batch.schema()->field(static_cast<int>(c))->type())) {
      return ConversionError("column '" + name + "' holds " + columns[c]->type()->ToString() +
                             " values but the batch schema declares " +
                             batch.schema()->field(static_cast<int>(c))->type()->ToString());
    }
    if (columns[c]->length() != n) {
      return ConversionError("column '" + name + "' has " + std::to_string(columns[c]->length()) +
                             " values but the batch has " + std::to_string(n) + " rows");
    }
    if (options.validate)
      ARROW_ZEROBUS_RETURN_NOT_OK(internal::ValidateStructure(*columns[c], name));
    ARROW_ZEROBUS_ASSIGN_OR_RETURN(columns[c], internal::AlignBuffers(columns[c], name));
    if (plan.needs_decoding) {
      ARROW_ZEROBUS_ASSIGN_OR_RETURN(columns[c], internal::DecodeArray(columns[c], name));
    }
  }
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(auto tree, internal::EncoderTree::Make(plan, columns, n));

  // Pass 1: sizes and row errors.
  internal::RowErrorCollector errors(n);
  ScratchVectors& scratch = ThreadScratch();
  std::vector<uint64_t>& sizes = scratch.sizes;
  sizes.assign(n, 0);
  tree->root().Prepare(/*nested=*/false);
  for (int64_t begin = 0; begin < n; begin += kMeasureBlockRows) {
    tree->root().Measure(begin, std::min(n, begin + kMeasureBlockRows), sizes.data(), &errors);
  }
  EncodedBatch out;
  out.num_rows = n;
  out.framed = options.frame_records;
  out.offsets.resize(n + 1);
  out.offsets[0] = 0;
  const int64_t frame_tag_bytes = options.frame_records ? 1 : 0;
  // One pass: records over the limit become row errors, the rest get their place in the arena.
  // Locals and plain pointers: stores through vectors' elements would be reloaded every row.
  int64_t* offsets = out.offsets.data();
  const uint64_t* size_of = sizes.data();
  const auto max_record_bytes = static_cast<uint64_t>(options.max_record_bytes);
  int64_t offset = 0;
  for (int64_t i = 0; i < n; ++i) {
    const uint64_t size = size_of[i];
    if (size > max_record_bytes && !errors.failed(i)) {
      errors.Add(i, "", RowErrorKind::kRecordTooLarge, [size, max_record_bytes] {
        return "record of " + std::to_string(size) + " bytes exceeds the limit of " +
               std::to_string(max_record_bytes) + " bytes";
      });
    }
    int64_t entry = 0;
    if (!errors.failed(i)) {
      entry = static_cast<int64_t>(size);
      if (options.frame_records) entry += frame_tag_bytes + VarintSize(size);
    }
    offset += entry;
    offsets[i + 1] = offset;
  }
  if (options.arena_pool != nullptr) {
    ARROW_ZEROBUS_ASSIGN_OR_RETURN(out.arena, options.arena_pool->Acquire(out.offsets[n]));
  } else {
    auto arena = arrow::AllocateBuffer(out.offsets[n]);
    if (!arena.ok()) {
      return Status(StatusCode::kResourceExhausted, ErrorKind::kConversion,
                    "cannot allocate " + std::to_string(out.offsets[n]) +
                        " bytes for the encoded batch: " + arena.status().ToString());
    }
    out.arena = std::move(*arena);
  }

  // Pass 2: bytes, a block of rows at a time; failed rows get no cursor and are never written.
  uint8_t* base = out.arena->mutable_data();
  std::vector<uint8_t*>& cursors = scratch.cursors;
  cursors.resize(n);
  uint8_t** cursor = cursors.data();
  for (int64_t i = 0; i < n; ++i) {
    if (errors.failed(i)) {
      cursor[i] = nullptr;
      continue;
    }
    uint8_t* p = base + offsets[i];
    if (options.frame_records) {
      // The frame: tag of field 1, length-delimited, and the record's length.
      *p++ = static_cast<uint8_t>((1u << 3) | static_cast<uint32_t>(WireType::kLengthDelimited));
      p = WriteVarint(size_of[i], p);
    }
    cursor[i] = p;
  }
  const int64_t mean_row_bytes = n == 0 ? 1 : std::max<int64_t>(1, out.offsets[n] / n);
  const int64_t block_rows = std::clamp<int64_t>(kWriteBlockBytes / mean_row_bytes, 16, 1024);
  for (int64_t begin = 0; begin < n; begin += block_rows) {
    tree->root().Write(begin, std::min(n, begin + block_rows), cursors.data());
  }
  for (int64_t i = 0; i < n; ++i) {
    if (cursors[i] != nullptr && cursors[i] != base + out.offsets[i + 1]) {
      return InternalError("row " + std::to_string(i) + " was written with " +
                           std::to_string(cursors[i] - (base + out.offsets[i + 1] - sizes[i])) +
                           " bytes but measured " + std::to_string(sizes[i]));
    }
  }

  scratch.ReleaseIfHuge();
  out.row_failed = std::move(errors.failed_rows());
  out.errors = std::move(errors.errors());
  std::sort(out.errors.begin(), out.errors.end(),
            [](const RowError& a, const RowError& b) { return a.row < b.row; });
  return out;
}

}  // namespace arrow_zerobus::encode
