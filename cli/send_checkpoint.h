// The checkpoint of `zerobus-arrow send --exactly-once --checkpoint FILE`: a journal of JSON lines
// written ahead of every request (before the stream writes it), saying which input rows the
// request carries and under which persistent stream and offset. After an interrupt, a crash or
// kill -9, the same command resumes the streams; the server's committed offset of each says which
// journaled requests landed, and their rows are skipped: every input row lands once. A line cut
// short by a kill is ignored. Rows are numbered across the inputs from 0, as in the summary.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "arrow_zerobus/status.h"
#include "arrow_zerobus/wrapper.h"

namespace arrow_zerobus::cli {

/// Input rows as sorted, disjoint [first, end) ranges.
class RowRanges {
 public:
  void Add(int64_t first, int64_t end);
  /// Sorts and merges what was added.
  void Normalize();
  /// The parts of [first, end) not covered, in order (call after Normalize).
  std::vector<std::pair<int64_t, int64_t>> Uncovered(int64_t first, int64_t end) const;
  int64_t Count() const;

 private:
  std::vector<std::pair<int64_t, int64_t>> ranges_;
};

/// What identifies a send, so that a checkpoint is resumed only by the same one.
struct CheckpointKey {
  std::vector<std::string> inputs;  ///< as given on the command line
  int64_t batch_rows = 0;
  int streams = 1;
  std::string table;
};

class SendCheckpoint {
 public:
  /// Creates FILE with its key, or reads the one there: it must have been written for the same
  /// key (else a ConfigurationError naming what differs).
  static Result<std::unique_ptr<SendCheckpoint>> Open(std::filesystem::path path,
                                                      CheckpointKey key);
  ~SendCheckpoint();

  const std::filesystem::path& path() const { return path_; }
  /// An earlier run finished every input.
  bool completed() const { return completed_; }
  /// The persistent streams of the earlier runs, by lane (empty before the first request).
  const std::vector<std::string>& stream_ids() const { return stream_ids_; }
  /// The input rows that landed: those of journaled requests at or below their stream's
  /// committed offset (`streams`: the resumed streams, last_acked_offset by lane).
  Result<RowRanges> LandedRows(const std::vector<StreamLaneStats>& streams) const;

  /// Batch `batch` (the wrapper's count of batches, from 0) starts at input row `first_row`:
  /// said before the batch is handed to the wrapper.
  void NoteBatch(uint64_t batch, int64_t first_row);
  /// Journals a request before it is written (the wrapper's SendJournal).
  Status Record(const JournaledRequest& request);
  /// Every input was sent and every result is in.
  Status MarkCompleted();

 private:
  SendCheckpoint(std::filesystem::path path, int fd) : path_(std::move(path)), fd_(fd) {}
  Status AppendLine(const std::string& line);

  struct Journaled {
    std::vector<std::pair<int64_t, int64_t>> rows;
  };

  const std::filesystem::path path_;
  const int fd_;
  bool completed_ = false;
  std::vector<std::string> stream_ids_;
  /// The journal read at Open, by (lane, offset): the latest line wins (a resumed stream
  /// reuses the offsets above its committed one).
  std::map<std::pair<int, int64_t>, Journaled> journaled_;

  std::mutex mu_;  ///< Record runs on wrapper threads
  std::map<uint64_t, int64_t> batch_first_rows_;
};

}  // namespace arrow_zerobus::cli
