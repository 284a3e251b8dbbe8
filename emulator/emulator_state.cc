#include "emulator_state.h"

#include <cstdio>
#include <random>

#include <arrow/record_batch.h>

namespace arrow_zerobus::emulator {

EmulatorState::EmulatorState(EmulatorOptions options)
    : options_(std::move(options)),
      quotas_(EffectiveQuotas(options_)),
      tokens_(std::make_shared<TokenRegistry>()) {}

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

}  // namespace arrow_zerobus::emulator
