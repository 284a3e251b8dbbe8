#include "zerobus/stream_connection.h"

#include "retry/retry_policy.h"
#include "zerobus_service.pb.h"

namespace arrow_zerobus::zerobus {
namespace {

namespace zb = ::databricks::zerobus;

constexpr char kMethod[] = "/databricks.zerobus.Zerobus/EphemeralStream";

grpc::ByteBuffer ToByteBuffer(std::string bytes) {
  grpc::Slice slice(std::move(bytes));
  return grpc::ByteBuffer(&slice, 1);
}

Status ProtocolError(std::string message) {
  return Status(StatusCode::kInternal, ErrorKind::kTransmission, std::move(message),
                /*retryable=*/true);
}

}  // namespace

StreamConnection::StreamConnection(std::shared_ptr<grpc::Channel> channel, std::string table,
                                   uint64_t generation, ConnectionListener* listener)
    : channel_(std::move(channel)),
      stub_(channel_),
      table_(std::move(table)),
      generation_(generation),
      listener_(listener) {}

std::shared_ptr<StreamConnection> StreamConnection::Start(std::shared_ptr<grpc::Channel> channel,
                                                          const auth::Headers& headers,
                                                          std::string create_request,
                                                          std::string table, uint64_t generation,
                                                          ConnectionListener* listener) {
  std::shared_ptr<StreamConnection> connection(
      new StreamConnection(std::move(channel), std::move(table), generation, listener));
  connection->self_ = connection;
  for (const auto& [key, value] : headers) connection->context_.AddMetadata(key, value);
  connection->stub_.PrepareBidiStreamingCall(&connection->context_, kMethod, grpc::StubOptions(),
                                             connection.get());
  {
    std::lock_guard<std::mutex> lock(connection->mu_);
    connection->queue_.push_back(ToByteBuffer(std::move(create_request)));
    connection->WriteNextLocked();
  }
  // Requests are written from the caller's threads, outside any reaction: the hold keeps gRPC
  // from ending (and freeing) the call until we know it is over and start nothing more on it.
  connection->AddHold();
  connection->StartRead(&connection->read_buffer_);
  connection->StartCall();
  return connection;
}

void StreamConnection::Send(grpc::ByteBuffer request) {
  std::lock_guard<std::mutex> lock(mu_);
  if (hold_released_ || half_close_requested_ || write_failed_) return;
  queue_.push_back(std::move(request));
  WriteNextLocked();
}

void StreamConnection::HalfClose() {
  std::lock_guard<std::mutex> lock(mu_);
  half_close_requested_ = true;
  WriteNextLocked();
}

void StreamConnection::Cancel(Status reason) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (done_) return;
    if (local_error_.ok() && !reason.ok()) local_error_ = std::move(reason);
  }
  context_.TryCancel();
}

void StreamConnection::ReleaseHoldLocked() {
  if (hold_released_) return;
  hold_released_ = true;
  queue_.clear();
  RemoveHold();
}

// gRPC's callback API never runs a reaction inline from StartWrite, so holding mu_ here is safe.
void StreamConnection::WriteNextLocked() {
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

void StreamConnection::OnWriteDone(bool ok) {
  std::lock_guard<std::mutex> lock(mu_);
  writing_ = false;
  if (!ok) {
    // The RPC is over; OnDone will say why.
    write_failed_ = true;
    ReleaseHoldLocked();
    return;
  }
  WriteNextLocked();
}

void StreamConnection::OnWritesDoneDone(bool /*ok*/) {}

void StreamConnection::OnReadDone(bool ok) {
  if (!ok) {
    // The RPC is ending (status received, or cancelled): start nothing more; OnDone follows.
    std::lock_guard<std::mutex> lock(mu_);
    ReleaseHoldLocked();
    return;
  }
  zb::EphemeralStreamResponse response;
  grpc::Slice slice;
  const bool parsed = read_buffer_.DumpToSingleSlice(&slice).ok() &&
                      response.ParseFromArray(slice.begin(), static_cast<int>(slice.size()));
  Status violation;
  if (!parsed) {
    violation = ProtocolError("Server sent a response that does not parse");
  } else if (response.has_create_stream_response()) {
    std::lock_guard<std::mutex> lock(mu_);
    if (created_) {
      violation = ProtocolError("Server sent a second create_stream_response");
    } else if (!response.create_stream_response().has_stream_id() ||
               response.create_stream_response().stream_id().empty()) {
      violation = ProtocolError("Server created the stream without a stream_id");
    } else {
      created_ = true;
      stream_id_ = response.create_stream_response().stream_id();
    }
  } else if (response.has_ingest_record_response()) {
    if (!response.ingest_record_response().has_durability_ack_up_to_offset()) {
      violation = ProtocolError("Server sent an ack without durability_ack_up_to_offset");
    }
  } else if (!response.has_close_stream_signal()) {
    violation = ProtocolError("Server sent an empty response");
  }
  if (!violation.ok()) {
    Cancel(violation);
    std::lock_guard<std::mutex> lock(mu_);
    ReleaseHoldLocked();  // no read follows to learn that the call ended
    return;
  }
  if (response.has_create_stream_response()) {
    listener_->OnCreated(generation_, response.create_stream_response().stream_id());
  } else if (response.has_ingest_record_response()) {
    listener_->OnAck(generation_, response.ingest_record_response().durability_ack_up_to_offset());
  } else {
    const auto& duration = response.close_stream_signal().duration();
    listener_->OnCloseSignal(generation_, std::chrono::milliseconds(duration.seconds() * 1000 +
                                                                    duration.nanos() / 1000000));
  }
  StartRead(&read_buffer_);
}

Status StreamConnection::TranslateEnd(const grpc::Status& status) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!local_error_.ok()) return local_error_;
  const auto code = static_cast<StatusCode>(status.error_code());
  if (status.ok()) {
    return Status(StatusCode::kAborted, ErrorKind::kConnection,
                  "Server ended the stream" +
                      (stream_id_.empty() ? std::string() : " " + stream_id_) +
                      " without an error status",
                  /*retryable=*/true);
  }
  ErrorKind kind = ErrorKind::kTransmission;
  std::string what;
  if (!created_) {
    const bool auth = code == StatusCode::kUnauthenticated || code == StatusCode::kPermissionDenied;
    kind = auth ? ErrorKind::kAuthentication : ErrorKind::kConnection;
    what = "Creating a Zerobus stream for table " + table_ + " failed";
  } else {
    what = "Zerobus stream " + stream_id_ + " (table " + table_ + ") ended";
  }
  return Status(code, kind,
                what + ": " + std::string(StatusCodeName(code)) + ": " + status.error_message(),
                retry::IsRetryableStatusCode(code));
}

void StreamConnection::OnDone(const grpc::Status& status) {
  Status ended = TranslateEnd(status);
  {
    std::lock_guard<std::mutex> lock(mu_);
    done_ = true;
    queue_.clear();
  }
  listener_->OnEnded(generation_, std::move(ended));
  // The last reaction: drop the self reference (the owner may still hold one).
  std::shared_ptr<StreamConnection> keep = std::move(self_);
}

}  // namespace arrow_zerobus::zerobus
