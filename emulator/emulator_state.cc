#include "emulator_state.h"

#include <cctype>
#include <cstdio>
#include <random>

#include <arrow/record_batch.h>
#include <nlohmann/json.hpp>

#include "auth/oauth_request.h"

namespace arrow_zerobus::emulator {

EmulatorState::EmulatorState(EmulatorOptions options)
    : options_(std::move(options)),
      quotas_(EffectiveQuotas(options_)),
      tokens_(std::make_shared<TokenRegistry>()),
      persistent_streams_(PersistentStreams::Open({}).value()) {}

Status EmulatorState::LoadPersistentStreams() {
  if (options_.data_dir.empty() || options_.light) return Status::OK();
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(
      persistent_streams_, PersistentStreams::Open(options_.data_dir / "_persistent_streams"));
  return Status::OK();
}

EmulatorState::~EmulatorState() { std::lock_guard<std::mutex> lock(mutex_); }

EmulatorState::Table& EmulatorState::TableLocked(const std::string& table) const {
  auto [it, inserted] = tables_.try_emplace(table);
  if (inserted && default_script_) it->second.script = default_script_;
  return it->second;
}

void EmulatorState::SetFaultScript(const std::string& table, FaultScript script) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (table == "*") {
    default_script_ = script;
    for (auto& [name, entry] : tables_) {
      if (!entry.script) entry.script = script;
    }
    return;
  }
  Table& entry = TableLocked(table);
  entry.script = std::move(script);
  entry.next_create_fault = 0;
  entry.next_event = 0;
}

void EmulatorState::DeclareTable(const std::string& table, std::vector<TableColumn> columns) {
  std::lock_guard<std::mutex> lock(mutex_);
  TableLocked(table).columns = std::move(columns);
}

std::optional<std::vector<TableColumn>> EmulatorState::DeclaredColumns(
    const std::string& table) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return TableLocked(table).columns;
}

bool EmulatorState::TableExists(const std::string& table) const {
  if (options_.accept_undeclared_tables) return true;
  std::lock_guard<std::mutex> lock(mutex_);
  return TableLocked(table).columns.has_value();
}

std::optional<CreateFault> EmulatorState::TakeCreateFault(const std::string& table) {
  std::lock_guard<std::mutex> lock(mutex_);
  Table& entry = TableLocked(table);
  if (!entry.script || entry.next_create_fault >= entry.script->create_faults.size()) {
    return std::nullopt;
  }
  return entry.script->create_faults[entry.next_create_fault++];
}

std::chrono::milliseconds EmulatorState::CreateDelay(const std::string& table) const {
  std::lock_guard<std::mutex> lock(mutex_);
  const Table& entry = TableLocked(table);
  return entry.script ? entry.script->create_delay : std::chrono::milliseconds(0);
}

std::chrono::milliseconds EmulatorState::AckDelay(const std::string& table) const {
  std::lock_guard<std::mutex> lock(mutex_);
  const Table& entry = TableLocked(table);
  return entry.script ? entry.script->ack_delay : std::chrono::milliseconds(0);
}

int64_t EmulatorState::KillEveryRequests(const std::string& table) const {
  std::lock_guard<std::mutex> lock(mutex_);
  const Table& entry = TableLocked(table);
  return entry.script ? entry.script->kill_every_requests : 0;
}

std::optional<std::pair<size_t, StreamEvent>> EmulatorState::PendingEvent(
    const std::string& table) const {
  std::lock_guard<std::mutex> lock(mutex_);
  const Table& entry = TableLocked(table);
  if (!entry.script || entry.next_event >= entry.script->events.size()) return std::nullopt;
  return std::make_pair(entry.next_event, entry.script->events[entry.next_event]);
}

bool EmulatorState::ConsumeEvent(const std::string& table, size_t index) {
  std::lock_guard<std::mutex> lock(mutex_);
  Table& entry = TableLocked(table);
  if (entry.next_event != index) return false;
  ++entry.next_event;
  return true;
}

std::optional<std::filesystem::path> EmulatorState::LandingPath(const std::string& table,
                                                                const std::string& stream_id,
                                                                const char* extension) const {
  if (options_.data_dir.empty() || options_.light) return std::nullopt;
  return options_.data_dir / table / (stream_id + extension);
}

void EmulatorState::Land(const std::string& table, const std::vector<std::string_view>& records,
                         int64_t bytes) {
  std::lock_guard<std::mutex> lock(mutex_);
  Table& entry = TableLocked(table);
  entry.counters.requests += 1;
  entry.counters.records += static_cast<int64_t>(records.size());
  entry.counters.bytes += bytes;
  if (options_.keep_records) {
    for (std::string_view record : records) entry.records.emplace_back(record);
  }
}

void EmulatorState::LandBatch(const std::string& table, std::shared_ptr<arrow::RecordBatch> batch,
                              int64_t bytes) {
  std::lock_guard<std::mutex> lock(mutex_);
  Table& entry = TableLocked(table);
  entry.counters.requests += 1;
  entry.counters.records += batch->num_rows();
  entry.counters.bytes += bytes;
  if (options_.keep_records) entry.batches.push_back(std::move(batch));
}

std::vector<std::shared_ptr<arrow::RecordBatch>> EmulatorState::LandedBatches(
    const std::string& table) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return TableLocked(table).batches;
}

void EmulatorState::Count(const std::string& table, int64_t TableCounters::*counter, int64_t n) {
  std::lock_guard<std::mutex> lock(mutex_);
  TableLocked(table).counters.*counter += n;
}

TableCounters EmulatorState::Counters(const std::string& table) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return TableLocked(table).counters;
}

std::vector<std::string> EmulatorState::LandedRecords(const std::string& table) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return TableLocked(table).records;
}

std::vector<std::string> EmulatorState::Tables() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<std::string> names;
  for (const auto& [name, entry] : tables_) {
    if (entry.counters.streams_created + entry.counters.streams_refused > 0) names.push_back(name);
  }
  return names;
}

TokenBucket::Clock::time_point EmulatorState::ChargeTableBytes(const std::string& table,
                                                               int64_t bytes,
                                                               TokenBucket::Clock::time_point now) {
  if (quotas_.table_bytes_per_second == 0) return now;
  std::lock_guard<std::mutex> lock(mutex_);
  Table& entry = TableLocked(table);
  if (!entry.bytes_quota) entry.bytes_quota.emplace(quotas_.table_bytes_per_second, kQuotaBurst);
  return entry.bytes_quota->Charge(bytes, now);
}

void EmulatorState::RecordCaller(const std::string& table, CallerMetadata caller) {
  std::lock_guard<std::mutex> lock(mutex_);
  TableLocked(table).last_caller = std::move(caller);
}

CallerMetadata EmulatorState::LastCaller(const std::string& table) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return TableLocked(table).last_caller;
}

std::string EmulatorState::NewStreamId() {
  static thread_local std::mt19937_64 random(std::random_device{}());
  const uint64_t high = random();
  const uint64_t low = random();
  char text[40];
  std::snprintf(text, sizeof(text), "%08llx-%04llx-4%03llx-%04llx-%012llx",
                static_cast<unsigned long long>(high >> 32),
                static_cast<unsigned long long>((high >> 16) & 0xffff),
                static_cast<unsigned long long>(high & 0xfff),
                static_cast<unsigned long long>(0x8000 | ((low >> 48) & 0x3fff)),
                static_cast<unsigned long long>(low & 0xffffffffffffull));
  return text;
}

namespace {

using nlohmann::json;

/// A JSON value as it was written, shortened for an error message.
std::string Shown(const json& value) {
  std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
  return text.size() > 60 ? text.substr(0, 57) + "..." : text;
}

std::string Lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

/// `column 2 ("name")`: 1-based, with the name once known.
std::string ColumnLabel(size_t index, const std::string& name) {
  return "column " + std::to_string(index + 1) + (name.empty() ? "" : " (\"" + name + "\")");
}

/// Where a column is: `table "t", column 2 ("name")`.
std::string ColumnPlace(const std::string& table, size_t index, const std::string& name) {
  return "table \"" + table + "\", " + ColumnLabel(index, name);
}

/// `"key" must be <expected>, not <its value>`, or `"key" is missing (<expected>)`.
Status BadValue(const std::string& place, const json& column, const std::string& key,
                const std::string& expected) {
  auto value = column.find(key);
  return ConfigurationError(place + ": \"" + key + "\" " +
                            (value == column.end()
                                 ? "is missing (" + expected + ")"
                                 : "must be " + expected + ", not " + Shown(*value)));
}

Result<TableColumn> ParseColumn(const json& column, const std::string& table, size_t index) {
  if (!column.is_object()) {
    return ConfigurationError(ColumnPlace(table, index, "") +
                              ": must be an object {\"name\", \"type\", \"nullable\"}, not " +
                              Shown(column));
  }
  auto name = column.find("name");
  const bool named = name != column.end() && name->is_string() && !name->get<std::string>().empty();
  const std::string place = ColumnPlace(table, index, named ? name->get<std::string>() : "");
  for (const auto& [key, value] : column.items()) {
    if (key != "name" && key != "type" && key != "nullable") {
      return ConfigurationError(place + ": unknown key \"" + key +
                                "\" (known: name, type, nullable)");
    }
  }
  if (!named) return BadValue(place, column, "name", "a non-empty string");
  TableColumn parsed{name->get<std::string>(), "", true};
  auto type = column.find("type");
  if (type == column.end() || !type->is_string()) {
    return BadValue(place, column, "type", "a string such as \"BIGINT\"");
  }
  parsed.type_text = type->get<std::string>();
  if (auto uc_type = ParseUcType(parsed.type_text); !uc_type.ok()) {
    return ConfigurationError(place + ": \"type\": " + uc_type.status().message());
  }
  if (auto nullable = column.find("nullable"); nullable != column.end()) {
    if (!nullable->is_boolean()) return BadValue(place, column, "nullable", "true or false");
    parsed.nullable = nullable->get<bool>();
  }
  return parsed;
}

Result<std::vector<TableColumn>> ParseColumns(const json& columns, const std::string& table) {
  const std::string place = "table \"" + table + "\"";
  if (auto name = auth::ParseTableName(table); !name.ok()) {
    return ConfigurationError(place + ": " + name.status().message());
  }
  if (!columns.is_array() || columns.empty()) {
    return ConfigurationError(place +
                              ": the columns must be a non-empty array of {\"name\", \"type\", "
                              "\"nullable\"}, not " +
                              Shown(columns));
  }
  std::vector<TableColumn> parsed;
  std::map<std::string, size_t> seen;  // lower-case name -> index
  for (size_t i = 0; i < columns.size(); ++i) {
    ARROW_ZEROBUS_ASSIGN_OR_RETURN(TableColumn column, ParseColumn(columns[i], table, i));
    auto [earlier, inserted] = seen.emplace(Lower(column.name), i);
    if (!inserted) {
      return ConfigurationError(ColumnPlace(table, i, column.name) + ": duplicate of " +
                                ColumnLabel(earlier->second, parsed[earlier->second].name) +
                                " (column names are case-insensitive)");
    }
    parsed.push_back(std::move(column));
  }
  return parsed;
}

}  // namespace

Result<TableDeclarations> ParseTableDeclarations(std::string_view text, std::string_view source) {
  const std::string prefix(source);
  const json document = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded()) {
    return ConfigurationError(prefix + ": not valid JSON: " + JsonSyntaxError(text));
  }
  if (!document.is_object()) {
    return ConfigurationError(prefix + ": must be a JSON object keyed by table name " +
                              "(catalog.schema.table), not " + Shown(document));
  }
  TableDeclarations tables;
  for (const auto& [table, columns] : document.items()) {
    auto parsed = ParseColumns(columns, table);
    if (!parsed.ok()) return parsed.status().WithContext(prefix);
    tables[table] = std::move(parsed).value();
  }
  return tables;
}

}  // namespace arrow_zerobus::emulator
