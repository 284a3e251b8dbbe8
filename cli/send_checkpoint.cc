#include "send_checkpoint.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>

#include <nlohmann/json.hpp>

namespace arrow_zerobus::cli {
namespace {

using nlohmann::json;

std::string OsReason(int error) { return std::strerror(error); }

json KeyJson(const CheckpointKey& key) {
  return json{{"zerobus_arrow_checkpoint", 1},
              {"table", key.table},
              {"inputs", key.inputs},
              {"batch_rows", key.batch_rows},
              {"streams", key.streams}};
}

}  // namespace

// ---- RowRanges ----

void RowRanges::Add(int64_t first, int64_t end) {
  if (first < end) ranges_.emplace_back(first, end);
}

void RowRanges::Normalize() {
  std::sort(ranges_.begin(), ranges_.end());
  std::vector<std::pair<int64_t, int64_t>> merged;
  for (const auto& range : ranges_) {
    if (!merged.empty() && range.first <= merged.back().second) {
      merged.back().second = std::max(merged.back().second, range.second);
    } else {
      merged.push_back(range);
    }
  }
  ranges_ = std::move(merged);
}

std::vector<std::pair<int64_t, int64_t>> RowRanges::Uncovered(int64_t first, int64_t end) const {
  std::vector<std::pair<int64_t, int64_t>> out;
  auto it = std::upper_bound(ranges_.begin(), ranges_.end(), std::make_pair(first, INT64_MAX));
  if (it != ranges_.begin() && std::prev(it)->second > first) --it;
  int64_t at = first;
  for (; it != ranges_.end() && it->first < end; ++it) {
    if (it->first > at) out.emplace_back(at, it->first);
    at = std::max(at, it->second);
  }
  if (at < end) out.emplace_back(at, end);
  return out;
}

int64_t RowRanges::Count() const {
  int64_t count = 0;
  for (const auto& [first, end] : ranges_) count += end - first;
  return count;
}

// ---- SendCheckpoint ----

Result<std::unique_ptr<SendCheckpoint>> SendCheckpoint::Open(std::filesystem::path path,
                                                             CheckpointKey key) {
  const std::string name = "checkpoint " + path.string();
  std::vector<std::string> lines;
  {
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
  }
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return IoError("cannot open " + name + ": " + OsReason(errno));
  std::unique_ptr<SendCheckpoint> checkpoint(new SendCheckpoint(path, fd));
  // Two sends on one checkpoint would write over each other's streams.
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    return ConfigurationError(name + " is in use by another zerobus-arrow send (" +
                              OsReason(errno) + ")");
  }
  const json expected = KeyJson(key);
  if (lines.empty()) {
    ARROW_ZEROBUS_RETURN_NOT_OK(checkpoint->AppendLine(expected.dump()));
    return checkpoint;
  }
  const json header = json::parse(lines.front(), nullptr, /*allow_exceptions=*/false);
  if (!header.is_object() || !header.contains("zerobus_arrow_checkpoint")) {
    return ConfigurationError(name +
                              " is not a zerobus-arrow checkpoint (its first line is not "
                              "one): give a new file, or the one an earlier send wrote");
  }
  for (const auto& [field, value] : expected.items()) {
    if (header.value(field, json()) != value) {
      return ConfigurationError(name + " was written by another send: its " + field + " is " +
                                header.value(field, json()).dump() + ", this send's " +
                                value.dump() +
                                " (resume with the same command, or give a new "
                                "file)");
    }
  }
  for (size_t i = 1; i < lines.size(); ++i) {
    const json line = json::parse(lines[i], nullptr, /*allow_exceptions=*/false);
    if (!line.is_object()) {
      if (i + 1 == lines.size()) break;  // the last line, cut short by a kill
      return ConfigurationError(name + ": line " + std::to_string(i + 1) + " is not JSON");
    }
    if (line.value("completed", false)) {
      checkpoint->completed_ = true;
      continue;
    }
    if (!line.contains("offset")) continue;
    const int lane = line.value("lane", -1);
    if (lane < 0 || lane >= key.streams) {
      return ConfigurationError(name + ": line " + std::to_string(i + 1) + " names stream " +
                                std::to_string(lane) + " of " + std::to_string(key.streams));
    }
    auto& ids = checkpoint->stream_ids_;
    if (ids.empty()) ids.resize(key.streams);
    const std::string stream = line.value("stream", "");
    if (!ids[lane].empty() && ids[lane] != stream) {
      return ConfigurationError(name + ": stream " + std::to_string(lane) + " is " + ids[lane] +
                                " and " + stream + ": one send keeps its streams");
    }
    ids[lane] = stream;
    Journaled journaled;
    for (const json& run : line.value("rows", json::array())) {
      journaled.rows.emplace_back(run.at(0).get<int64_t>(), run.at(1).get<int64_t>());
    }
    checkpoint->journaled_[{lane, line.value("offset", int64_t{-1})}] = std::move(journaled);
  }
  for (size_t lane = 0; lane < checkpoint->stream_ids_.size(); ++lane) {
    if (checkpoint->stream_ids_[lane].empty()) {
      return ConfigurationError(name + ": stream " + std::to_string(lane) +
                                " carried nothing, so it cannot be resumed; give a new file");
    }
  }
  return checkpoint;
}

SendCheckpoint::~SendCheckpoint() { ::close(fd_); }

Result<RowRanges> SendCheckpoint::LandedRows(const std::vector<StreamLaneStats>& streams) const {
  RowRanges landed;
  for (const auto& [where, journaled] : journaled_) {
    const auto& [lane, offset] = where;
    if (lane >= static_cast<int>(streams.size())) {
      return InternalError("the checkpoint names stream " + std::to_string(lane) + " of " +
                           std::to_string(streams.size()));
    }
    if (offset > streams[lane].last_acked_offset) continue;
    for (const auto& [first, end] : journaled.rows) landed.Add(first, end);
  }
  landed.Normalize();
  return landed;
}

void SendCheckpoint::NoteBatch(uint64_t batch, int64_t first_row) {
  std::lock_guard<std::mutex> lock(mu_);
  batch_first_rows_[batch] = first_row;
}

Status SendCheckpoint::Record(const JournaledRequest& request) {
  int64_t base = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto found = batch_first_rows_.find(request.batch);
    if (found == batch_first_rows_.end()) {
      return InternalError("checkpoint: a request of batch " + std::to_string(request.batch) +
                           ", which was never noted");
    }
    base = found->second;
  }
  json rows = json::array();
  int64_t at = request.first_row;
  for (int64_t excluded : request.excluded_rows) {
    if (excluded > at) rows.push_back({base + at, base + excluded});
    at = excluded + 1;
  }
  if (at < request.end_row) rows.push_back({base + at, base + request.end_row});
  return AppendLine(json{
      {"lane", request.lane},
      {"stream", request.stream_id},
      {"offset", request.offset},
      {"rows", rows}}.dump());
}

Status SendCheckpoint::MarkCompleted() {
  completed_ = true;
  return AppendLine(json{{"completed", true}}.dump());
}

Status SendCheckpoint::AppendLine(const std::string& line) {
  // One write per line on an O_APPEND file: a process killed afterwards leaves it whole in the
  // file (the kernel has it); one killed during it leaves at most the last line cut short.
  const std::string text = line + "\n";
  size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = ::write(fd_, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return IoError("cannot write checkpoint " + path_.string() + ": " + OsReason(errno));
    written += static_cast<size_t>(n);
  }
  return Status::OK();
}

}  // namespace arrow_zerobus::cli
