#include "flight/flight_connection.h"

#include "flight/put_status.h"
#include "flight_messages.pb.h"

namespace arrow_zerobus::flight {
namespace {

constexpr char kDoPutMethod[] = "/arrow.flight.protocol.FlightService/DoPut";

}  // namespace

FlightConnection::FlightConnection(std::shared_ptr<grpc::Channel> channel, std::string table,
                                   uint64_t generation, FlightConnectionListener* listener)
    : channel_(std::move(channel)),
      stub_(channel_),
      table_(std::move(table)),
      generation_(generation),
      listener_(listener) {}

std::shared_ptr<FlightConnection> FlightConnection::Start(std::shared_ptr<grpc::Channel> channel,
                                                          const auth::Headers& headers,
                                                          grpc::ByteBuffer schema_message,
                                                          std::string table, uint64_t generation,
                                                          FlightConnectionListener* listener) {
  std::shared_ptr<FlightConnection> connection(
      new FlightConnection(std::move(channel), std::move(table), generation, listener));
  connection->self_ = connection;
  for (const auto& [key, value] : headers) connection->context_.AddMetadata(key, value);
  connection->stub_.PrepareBidiStreamingCall(&connection->context_, kDoPutMethod,
                                             grpc::StubOptions(), connection.get());
  {
    std::lock_guard<std::mutex> lock(connection->mu_);
    connection->queue_.push_back(std::move(schema_message));
    connection->WriteNextLocked();
  }
  // Messages are written from the caller's threads, outside any reaction: the hold keeps gRPC
  // from ending (and freeing) the call until we know it is over and start nothing more on it.
  connection->AddHold();
  connection->StartRead(&connection->read_buffer_);
  connection->StartCall();
  return connection;
}

void FlightConnection::Send(grpc::ByteBuffer message) {
  std::lock_guard<std::mutex> lock(mu_);
  if (hold_released_ || half_close_requested_ || write_failed_) return;
  queue_.push_back(std::move(message));
  WriteNextLocked();
}

void FlightConnection::HalfClose() {
  std::lock_guard<std::mutex> lock(mu_);
  half_close_requested_ = true;
  WriteNextLocked();
}

void FlightConnection::Cancel(Status reason) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (done_) return;
    if (local_error_.ok() && !reason.ok()) local_error_ = std::move(reason);
  }
  context_.TryCancel();
}

void FlightConnection::ReleaseHoldLocked() {
  if (hold_released_) return;
  hold_released_ = true;
  queue_.clear();
  RemoveHold();
}

// gRPC's callback API never runs a reaction inline from StartWrite, so holding mu_ here is safe.
void FlightConnection::WriteNextLocked() {
  if (writing_ || hold_released_ || write_failed_) return;
  if (!queue_.empty()) {
    writing_buffer_ = std::move(queue_.front());
    queue_.pop_front();
    writing_ = true;
    StartWrite(&writing_buffer_);
    return;
  }
  if (half_close_requested_ && !half_closed_) {
    half_closed_ = true;
    StartWritesDone();
  }
}

void FlightConnection::OnWriteDone(bool ok) {
  std::lock_guard<std::mutex> lock(mu_);
  writing_ = false;
  // The written message's body slices go now, not when the next message replaces them.
  writing_buffer_.Clear();
  if (!ok) {
    // The RPC is over; OnDone will say why.
    write_failed_ = true;
    ReleaseHoldLocked();
    return;
  }
  WriteNextLocked();
}

void FlightConnection::OnWritesDoneDone(bool /*ok*/) {}

void FlightConnection::Violated(std::string what) {
  const bool ready = [&] {
    std::lock_guard<std::mutex> lock(mu_);
    return ready_;
  }();
  Cancel(Status(
      StatusCode::kInternal, ready ? ErrorKind::kTransmission : ErrorKind::kConnection,
      "Unexpected response on the Arrow Flight stream for table " + table_ + ": " + std::move(what),
      /*retryable=*/true));
  std::lock_guard<std::mutex> lock(mu_);
  ReleaseHoldLocked();  // no read follows to learn that the call ended
}

void FlightConnection::OnReadDone(bool ok) {
  if (!ok) {
    // The RPC is ending (status received, or cancelled): start nothing more; OnDone follows.
    std::lock_guard<std::mutex> lock(mu_);
    ReleaseHoldLocked();
    return;
  }
  ::arrow::flight::protocol::PutResult result;
  grpc::Slice slice;
  if (!read_buffer_.DumpToSingleSlice(&slice).ok() ||
      !result.ParseFromArray(slice.begin(), static_cast<int>(slice.size()))) {
    Violated("a PutResult that does not parse");
    return;
  }
  Result<PutResultFields> fields = ParsePutResultMetadata(result.app_metadata());
  bool was_ready;
  {
    std::lock_guard<std::mutex> lock(mu_);
    was_ready = ready_;
    if (!ready_ && fields.ok() && IsReadyPutResult(*fields)) ready_ = true;
  }
  if (!was_ready) {
    if (!fields.ok() || !IsReadyPutResult(*fields)) {
      Violated("the server answered the schema with PutResult app_metadata '" +
               result.app_metadata() +
               "' instead of {\"ack_up_to_offset\":-1,\"ack_up_to_records\":0}");
      return;
    }
    listener_->OnReady(generation_);
  } else if (fields.ok()) {
    // Unreadable metadata after READY is ignored, as the SDKs do: the next ack repeats the count.
    listener_->OnPutResult(generation_, *fields);
  }
  StartRead(&read_buffer_);
}

void FlightConnection::OnDone(const grpc::Status& status) {
  Status ended;
  {
    std::lock_guard<std::mutex> lock(mu_);
    done_ = true;
    queue_.clear();
    ended = local_error_.ok() ? TranslatePutEnd(status, ready_, table_) : local_error_;
  }
  listener_->OnEnded(generation_, std::move(ended));
  // The last reaction: drop the self reference (the owner may still hold one).
  std::shared_ptr<FlightConnection> keep = std::move(self_);
}

}  // namespace arrow_zerobus::flight
