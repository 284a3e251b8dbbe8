// The emulator's persistent streams (PersistentStream and RetireStream RPCs): per stream id the
// table, record type and descriptor it was created with, the highest offset it committed and
// whether it was retired; which connection owns it now (the latest to create or resume it). With
// a directory, each stream's state is also a file <dir>/<id>.json, written on every change and
// read at start, so that the streams outlive the emulator process. Thread-safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "arrow_zerobus/status.h"

namespace arrow_zerobus::emulator {

struct PersistentStreamState {
  std::string table;
  int record_type = 1;  ///< databricks.zerobus.RecordType
  std::string descriptor_proto;
  int64_t committed = -1;  ///< highest committed offset; -1: none yet
  bool retired = false;
};

class PersistentStreams {
 public:
  /// Streams kept in memory only (`dir` empty), or also in `dir`, whose <id>.json files are read
  /// now; a file that does not read is an error naming it.
  static Result<std::unique_ptr<PersistentStreams>> Open(std::filesystem::path dir);
  /// Takes the lock once, so that what a stream did last under it happens before the streams go
  /// (as ThreadSanitizer sees it too: gRPC's shutdown synchronizes where it cannot see).
  ~PersistentStreams();

  /// A connection's name for ownership: unique for the process.
  uint64_t NewOwner();
  /// Registers a new stream `id`, owned by `owner`.
  Status Create(const std::string& id, PersistentStreamState state, uint64_t owner);
  /// Checks that the stream exists, is not retired, belongs to `table` and was created with this
  /// record type and descriptor. Returns the committed offset (-1: none).
  Result<int64_t> CheckResume(const std::string& id, const std::string& table, int record_type,
                              const std::string& descriptor_proto) const;
  /// As CheckResume, then makes `owner` the stream's connection (its earlier connection is
  /// superseded): when the resuming connection opens.
  Result<int64_t> Resume(const std::string& id, const std::string& table, int record_type,
                         const std::string& descriptor_proto, uint64_t owner);
  /// Checks that `owner` may land request `offset` (the next one after the committed offset).
  Status CheckNext(const std::string& id, uint64_t owner, int64_t offset) const;
  /// As CheckNext, then runs `land` and, when it succeeds, commits `offset`: all under the
  /// registry's lock, so that no other connection of the stream lands between.
  Status Commit(const std::string& id, uint64_t owner, int64_t offset,
                const std::function<Status()>& land);
  /// Retires the stream for good. Retiring a retired stream succeeds; an unknown id or another
  /// table's stream is NOT_FOUND.
  Status Retire(const std::string& table, const std::string& id);
  std::optional<PersistentStreamState> Find(const std::string& id) const;

 private:
  explicit PersistentStreams(std::filesystem::path dir) : dir_(std::move(dir)) {}
  struct Entry {
    PersistentStreamState state;
    uint64_t owner = 0;  ///< 0: no connection since the emulator started
  };
  Status CheckNextLocked(const std::string& id, uint64_t owner, int64_t offset) const;
  Result<int64_t> CheckResumeLocked(const std::string& id, const std::string& table,
                                    int record_type, const std::string& descriptor_proto) const;
  Status SaveLocked(const std::string& id, const PersistentStreamState& state) const;

  const std::filesystem::path dir_;
  mutable std::mutex mu_;
  std::map<std::string, Entry> streams_;
  uint64_t next_owner_ = 1;
};

}  // namespace arrow_zerobus::emulator
