// DebugWriter: the optional debug files of one table, so a person can see exactly what was sent.
//
//   <dir>/zerobus/arrow/<table>-<UTC yyyymmddThhmmssmmm>Z-<seq>.arrows   Arrow IPC stream
//   <dir>/zerobus/proto/<same stem>.pbs          length-delimited protobuf records (varint size,
//                                                 then the record), as sent
//   <dir>/zerobus/descriptors/<stem of the .pbs>.desc   FileDescriptorSet of those records
//
// A new file is started on a schema (or descriptor) change and when the current one reaches the
// size, row or age limit; names never repeat (millisecond time plus a sequence number, files
// created exclusively). Retention keeps the newest N files of this table per format. A thread
// flushes both formats every flush interval (and applies the age limit). Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <arrow/record_batch.h>

#include "arrow_zerobus/status.h"
#include "encode/encoded_batch.h"
#include "schema/schema_plan.h"

namespace arrow_zerobus::debug {

struct DebugOptions {
  std::filesystem::path output_dir;
  bool arrow = false;
  bool protobuf = false;
  std::chrono::milliseconds flush_interval{5000};
  std::optional<int64_t> max_file_bytes;
  std::optional<int64_t> max_file_rows;
  std::optional<std::chrono::milliseconds> max_file_age;
  std::optional<int64_t> max_files_retained;  ///< unset: keep all
};

class DebugWriter {
 public:
  /// Creates the directories of the enabled formats (only those) and starts the flush thread.
  /// `table` is catalog.schema.table. No file is created before the first write.
  static Result<std::unique_ptr<DebugWriter>> Open(std::string table, DebugOptions options);
  ~DebugWriter();  ///< Close()

  /// Appends `batch` (every row, as given) to the current Arrow file. No-op when Arrow is off.
  Status WriteBatch(const arrow::RecordBatch& batch);
  /// Appends the records of the rows that converted, in row order, to the current protobuf file
  /// (the descriptor file is written when that file is started). `encoded` may be framed or not.
  /// No-op when protobuf is off.
  Status WriteRecords(const schema::SchemaPlan& plan, const encode::EncodedBatch& encoded);
  /// Everything written so far reaches the files (readable by other processes afterwards).
  Status Flush();
  /// Flushes and closes the files (Arrow files get their end-of-stream marker); stops the flush
  /// thread. Idempotent; later writes fail.
  Status Close();

  /// Every file this writer created that retention has not removed, oldest first.
  std::vector<std::filesystem::path> files() const;
  /// The first error of any write, flush, rotation or retention (OK if none), and how many.
  Status first_error() const;
  int64_t error_count() const;

 private:
  class Impl;
  explicit DebugWriter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace arrow_zerobus::debug
