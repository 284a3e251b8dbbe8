#include "stream/bidi_connection.h"

#include "common/happens_before.h"
#include "stream/stream_end.h"

namespace arrow_zerobus::stream {

BidiConnection::BidiConnection(std::shared_ptr<grpc::Channel> channel,
                               const StreamProtocol* protocol, std::string table,
                               uint64_t generation, ConnectionListener* listener)
    : channel_(std::move(channel)),
      stub_(channel_),
      protocol_(protocol),
      table_(std::move(table)),
      generation_(generation),
      listener_(listener) {}

std::shared_ptr<BidiConnection> BidiConnection::Start(std::shared_ptr<grpc::Channel> channel,
                                                      const auth::Headers& headers,
                                                      const StreamProtocol* protocol,
                                                      grpc::ByteBuffer opening, std::string table,
                                                      uint64_t generation,
                                                      ConnectionListener* listener) {
  std::shared_ptr<BidiConnection> connection(
      new BidiConnection(std::move(channel), protocol, std::move(table), generation, listener));
  connection->self_ = connection;
  for (const auto& [key, value] : headers) connection->context_.AddMetadata(key, value);
  connection->stub_.PrepareBidiStreamingCall(&connection->context_, protocol->method(),
                                             grpc::StubOptions(), connection.get());
  {
    std::lock_guard<std::mutex> lock(connection->mu_);
    connection->queue_.push_back(std::move(opening));
    connection->WriteNextLocked();
  }
  // Messages are written from the caller's threads, outside any reaction: the hold keeps gRPC
  // from ending (and freeing) the call until we know it is over and start nothing more on it.
  connection->AddHold();
  connection->StartRead(&connection->read_buffer_);
  connection->StartCall();
  HappensBefore(connection.get());
  return connection;
}

void BidiConnection::Send(grpc::ByteBuffer message) {
  std::lock_guard<std::mutex> lock(mu_);
  if (hold_released_ || half_close_requested_ || write_failed_) return;
  queue_.push_back(std::move(message));
  WriteNextLocked();
}

void BidiConnection::HalfClose() {
  std::lock_guard<std::mutex> lock(mu_);
  half_close_requested_ = true;
  WriteNextLocked();
}

void BidiConnection::Cancel(Status reason) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (done_) return;
    if (local_error_.ok() && !reason.ok()) local_error_ = std::move(reason);
  }
  context_.TryCancel();
}

void BidiConnection::ReleaseHoldLocked() {
  if (hold_released_) return;
  hold_released_ = true;
  queue_.clear();
  RemoveHold();
}

// gRPC's callback API never runs a reaction inline from StartWrite, so holding mu_ here is safe.
void BidiConnection::WriteNextLocked() {
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

void BidiConnection::OnWriteDone(bool ok) {
  const HappensBeforeOnExit before_on_done(this);
  std::lock_guard<std::mutex> lock(mu_);
  writing_ = false;
  // The written message's slices go now, not when the next message replaces them.
  writing_buffer_.Clear();
  if (!ok) {
    // The call is over; OnDone will say why.
    write_failed_ = true;
    ReleaseHoldLocked();
    return;
  }
  WriteNextLocked();
}

void BidiConnection::OnWritesDoneDone(bool /*ok*/) {}

void BidiConnection::Violated(const Status& violation) {
  Cancel(violation);
  std::lock_guard<std::mutex> lock(mu_);
  ReleaseHoldLocked();  // no read follows to learn that the call ended
}

void BidiConnection::OnReadDone(bool ok) {
  const HappensBeforeOnExit before_on_done(this);
  if (!ok) {
    // The call is ending (status received, or cancelled): start nothing more; OnDone follows.
    std::lock_guard<std::mutex> lock(mu_);
    ReleaseHoldLocked();
    return;
  }
  bool opened;
  {
    std::lock_guard<std::mutex> lock(mu_);
    opened = opened_;
  }
  Result<ServerMessage> message = protocol_->Read(read_buffer_, opened);
  if (!message.ok()) {
    Violated(Status(StatusCode::kInternal,
                    opened ? ErrorKind::kTransmission : ErrorKind::kConnection,
                    "Unexpected response on the " + std::string(protocol_->label()) +
                        " for table " + table_ + ": " + message.status().message(),
                    /*retryable=*/true));
    return;
  }
  if (message->opens) {
    std::lock_guard<std::mutex> lock(mu_);
    opened_ = true;
    stream_id_ = message->stream_id;
  }
  listener_->OnMessage(generation_, *message);
  StartRead(&read_buffer_);
}

// gRPC may run OnDone on a thread it picks, after every other reaction, through synchronization
// ThreadSanitizer cannot see: hence the annotations.
void BidiConnection::OnDone(const grpc::Status& status) {
  HappensAfter(this);
  Status ended;
  {
    std::lock_guard<std::mutex> lock(mu_);
    done_ = true;
    queue_.clear();
    ended = local_error_.ok()
                ? TranslateStreamEnd(status, EndedCall{protocol_, table_, opened_, stream_id_})
                : local_error_;
  }
  // The last reaction. The self reference goes first and the listener hears last, so that once
  // OnEnded is called nothing touches this object any more: its owner may destroy it then,
  // without waiting on the reference count.
  ConnectionListener* const listener = listener_;
  const uint64_t generation = generation_;
  self_.reset();
  listener->OnEnded(generation, std::move(ended));
}

}  // namespace arrow_zerobus::stream
