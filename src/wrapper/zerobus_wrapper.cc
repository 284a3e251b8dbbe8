// ZerobusWrapper and BatchFuture: the public face over WrapperCore.
#include "arrow_zerobus/wrapper.h"

#include <algorithm>

#include <arrow/table.h>

#include "wrapper/batch_state.h"
#include "wrapper/read_ahead.h"
#include "wrapper/result_merge.h"
#include "wrapper/wrapper_core.h"

namespace arrow_zerobus {
namespace {

// What a default-constructed future (one that refers to no send) answers with at once.
const TransmissionResult& NoSendResult() {
  static const TransmissionResult result = [] {
    TransmissionResult none;
    none.error = ConfigurationError(
        "BatchFuture::get() on a default-constructed future: it refers to no send (use the "
        "future send_batch_async returned)");
    return none;
  }();
  return result;
}

/// send_reader(), told how many rows `reader` holds when the caller knows (0: unknown).
TransmissionResult SendAll(ZerobusWrapper& wrapper, arrow::RecordBatchReader& reader,
                           int64_t expected_rows) {
  const auto started = std::chrono::steady_clock::now();
  internal::ResultMerger merged;
  merged.ExpectRows(expected_rows);
  if (Status refused = wrapper.check_schema(reader.schema()); !refused.ok()) {
    merged.Refuse(std::move(refused), reader.schema());
    return merged.Finish(internal::MillisecondsSince(started));
  }
  internal::ReadAheadWindow in_flight(internal::ReadAheadLimit::For(wrapper.configuration()));
  auto merge_oldest = [&] {
    merged.Add(in_flight.oldest().get());
    in_flight.PopOldest();
  };
  while (true) {
    while (in_flight.Full()) merge_oldest();
    std::shared_ptr<arrow::RecordBatch> batch;
    arrow::Status read = reader.ReadNext(&batch);
    if (!read.ok()) {
      while (!in_flight.empty()) merge_oldest();
      merged.FailRead(read);
      break;
    }
    if (batch == nullptr) break;
    const int64_t bytes = internal::BatchBytes(*batch);
    in_flight.Push(wrapper.send_batch_async(std::move(batch)), bytes);
  }
  while (!in_flight.empty()) merge_oldest();
  return merged.Finish(internal::MillisecondsSince(started));
}

}  // namespace

bool BatchFuture::ready() const {
  if (state_ == nullptr) return true;
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->result.has_value();
}

const TransmissionResult& BatchFuture::get() const {
  if (state_ == nullptr) return NoSendResult();
  std::unique_lock<std::mutex> lock(state_->mu);
  state_->done.wait(lock, [&] { return state_->result.has_value(); });
  return *state_->result;
}

bool BatchFuture::wait_for(std::chrono::milliseconds timeout) const {
  if (state_ == nullptr) return true;
  std::unique_lock<std::mutex> lock(state_->mu);
  return state_->done.wait_for(lock, timeout, [&] { return state_->result.has_value(); });
}

bool BatchFuture::cancel() const { return state_ != nullptr && state_->Cancel(); }

ZerobusWrapper::ZerobusWrapper(std::unique_ptr<internal::WrapperCore> core)
    : core_(std::move(core)) {}

ZerobusWrapper::~ZerobusWrapper() = default;

Result<std::unique_ptr<ZerobusWrapper>> ZerobusWrapper::Create(WrapperConfiguration config) {
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(auto core, internal::WrapperCore::Create(std::move(config)));
  return std::unique_ptr<ZerobusWrapper>(new ZerobusWrapper(std::move(core)));
}

TransmissionResult ZerobusWrapper::send_batch(const std::shared_ptr<arrow::RecordBatch>& batch) {
  return send_batch_async(batch).get();
}

BatchFuture ZerobusWrapper::send_batch_async(std::shared_ptr<arrow::RecordBatch> batch,
                                             CompletionCallback on_complete,
                                             const SpanContext& trace_parent) {
  return core_->Submit(std::move(batch), std::move(on_complete), trace_parent);
}

TransmissionResult ZerobusWrapper::send_table(const std::shared_ptr<arrow::Table>& table) {
  if (table == nullptr) return send_batch(nullptr);
  arrow::TableBatchReader reader(*table);
  return SendAll(*this, reader, table->num_rows());
}

Result<std::vector<StreamLaneStats>> ZerobusWrapper::open_streams(
    const std::shared_ptr<arrow::Schema>& schema) {
  return core_->OpenStreams(schema);
}

Status ZerobusWrapper::set_send_journal(SendJournal journal) {
  return core_->SetSendJournal(std::move(journal));
}

Status ZerobusWrapper::check_schema(const std::shared_ptr<arrow::Schema>& schema) const {
  if (schema == nullptr) return ConfigurationError("check_schema was given a null schema");
  return core_->CheckSchema(schema);
}

TransmissionResult ZerobusWrapper::send_reader(arrow::RecordBatchReader& reader) {
  return SendAll(*this, reader, 0);
}

Status ZerobusWrapper::flush() { return core_->Flush(); }
Status ZerobusWrapper::shutdown() { return core_->Shutdown(); }

Status ZerobusWrapper::shutdown(std::chrono::milliseconds timeout) {
  return core_->Shutdown(std::max(timeout, std::chrono::milliseconds(0)));
}
const WrapperConfiguration& ZerobusWrapper::configuration() const { return core_->config(); }
WrapperStats ZerobusWrapper::stats() const { return core_->stats(); }
Status ZerobusWrapper::debug_status() const { return core_->debug_status(); }
TelemetryData ZerobusWrapper::collect_telemetry() { return core_->CollectTelemetry(); }

}  // namespace arrow_zerobus
