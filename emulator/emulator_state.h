// What the emulator knows across streams: declared tables, fault scripts and their positions,
// counters and landed records per table. Shared by every stream; thread-safe.
#pragma once

#include <atomic>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "arrow_zerobus/status.h"
#include "emulator_options.h"
#include "fault_script.h"
#include "persistent_streams.h"
#include "scheduler.h"
#include "service_quotas.h"
#include "table_schema.h"
#include "token_registry.h"

namespace arrow {
class RecordBatch;
}

namespace arrow_zerobus::emulator {

/// Declared tables by name, each with its columns in order.
using TableDeclarations = std::map<std::string, std::vector<TableColumn>>;

/// Reads table declarations (the --tables file): {"<catalog.schema.table>": [{"name": "id",
/// "type": "BIGINT", "nullable": false}, ...]}, "nullable" optional (default true) and no other
/// key. Every table needs a three-part name and at least one column; every column a non-empty
/// name, unique in its table ignoring case, and a type ParseUcType reads. Errors start with
/// `source` (the file) and name the table, the column and the key; nothing throws.
Result<TableDeclarations> ParseTableDeclarations(std::string_view json, std::string_view source);

/// What a stream's caller said about itself in its call metadata.
struct CallerMetadata {
  std::string user_agent;
  std::string traceparent;  ///< W3C trace context, when the client sent one
};

/// Per-table activity since the emulator started.
struct TableCounters {
  int64_t streams_created = 0;
  int64_t streams_refused = 0;  ///< create_stream answered with an error
  int64_t requests = 0;         ///< ingest requests that landed
  int64_t records = 0;          ///< records that landed
  int64_t bytes = 0;            ///< record bytes that landed
  int64_t acks = 0;             ///< ack messages sent
  int64_t connections_killed = 0;
  int64_t close_signals = 0;
};

class EmulatorState {
 public:
  explicit EmulatorState(EmulatorOptions options);
  /// Takes the state's lock once before the tables go, so that whatever a stream or the token
  /// endpoint did last under it happens before (as ThreadSanitizer sees it too: the servers'
  /// own shutdown synchronizes inside gRPC, which is not instrumented).
  ~EmulatorState();

  const EmulatorOptions& options() const { return options_; }
  /// Where a stream lands its rows: <data_dir>/<table>/<stream id><extension>; nothing without a
  /// data directory or in light mode.
  std::optional<std::filesystem::path> LandingPath(const std::string& table,
                                                   const std::string& stream_id,
                                                   const char* extension) const;
  /// The quotas the options set (service_quotas resolved).
  const ServiceQuotas& quotas() const { return quotas_; }
  TokenRegistry& tokens() { return *tokens_; }
  std::shared_ptr<TokenRegistry> shared_tokens() { return tokens_; }
  Scheduler& scheduler() { return scheduler_; }

  void SetFaultScript(const std::string& table, FaultScript script);
  void DeclareTable(const std::string& table, std::vector<TableColumn> columns);

  /// The columns of a declared table; nullopt when undeclared.
  std::optional<std::vector<TableColumn>> DeclaredColumns(const std::string& table) const;
  bool TableExists(const std::string& table) const;

  /// The next create fault of the table's script, consumed; nullopt when creates succeed.
  std::optional<CreateFault> TakeCreateFault(const std::string& table);
  std::chrono::milliseconds CreateDelay(const std::string& table) const;
  std::chrono::milliseconds AckDelay(const std::string& table) const;
  int64_t KillEveryRequests(const std::string& table) const;
  /// The first event not yet consumed, and its index (to consume it when it fires).
  std::optional<std::pair<size_t, StreamEvent>> PendingEvent(const std::string& table) const;
  /// Marks event `index` as consumed; false when another stream consumed it first.
  bool ConsumeEvent(const std::string& table, size_t index);

  /// Records one landed ingest request of `records` totalling `bytes`.
  void Land(const std::string& table, const std::vector<std::string_view>& records, int64_t bytes);
  void Count(const std::string& table, int64_t TableCounters::*counter, int64_t n = 1);
  TableCounters Counters(const std::string& table) const;
  std::vector<std::string> LandedRecords(const std::string& table) const;
  /// Records one landed Arrow Flight data message: its decoded batch and its body `bytes`.
  void LandBatch(const std::string& table, std::shared_ptr<arrow::RecordBatch> batch,
                 int64_t bytes);
  /// The Arrow batches landed in `table` over DoPut, in landing order (needs keep_records).
  std::vector<std::shared_ptr<arrow::RecordBatch>> LandedBatches(const std::string& table) const;
  std::vector<std::string> Tables() const;
  /// Charges `bytes` arriving at `now` to the table's bytes quota; returns when it is paid for.
  TokenBucket::Clock::time_point ChargeTableBytes(const std::string& table, int64_t bytes,
                                                  TokenBucket::Clock::time_point now);
  /// The metadata of the table's latest stream (either protocol).
  void RecordCaller(const std::string& table, CallerMetadata caller);
  CallerMetadata LastCaller(const std::string& table) const;

  /// A new unique stream id (a random 128-bit UUID).
  std::string NewStreamId();

  /// The persistent streams: in memory until LoadPersistentStreams.
  PersistentStreams& persistent_streams() { return *persistent_streams_; }
  /// Keeps the persistent streams in <data_dir>/_persistent_streams (no data directory or light
  /// mode: in memory), reading those a previous run left there.
  Status LoadPersistentStreams();

 private:
  struct Table {
    std::optional<std::vector<TableColumn>> columns;
    std::optional<FaultScript> script;
    size_t next_create_fault = 0;
    size_t next_event = 0;
    TableCounters counters;
    std::vector<std::string> records;
    std::vector<std::shared_ptr<arrow::RecordBatch>> batches;
    CallerMetadata last_caller;
    std::optional<TokenBucket> bytes_quota;  ///< made on first charge
  };
  /// The table's entry, created on first use with a copy of the "*" script if it has none.
  Table& TableLocked(const std::string& table) const;

  const EmulatorOptions options_;
  const ServiceQuotas quotas_;
  std::shared_ptr<TokenRegistry> tokens_;
  Scheduler scheduler_;
  mutable std::mutex mutex_;
  mutable std::map<std::string, Table> tables_;
  std::optional<FaultScript> default_script_;
  std::unique_ptr<PersistentStreams> persistent_streams_;
};

}  // namespace arrow_zerobus::emulator
