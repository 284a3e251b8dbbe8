// What the end of a stream's gRPC call means to the client: one translation for every format.
#pragma once

#include <string>

#include <grpcpp/support/status.h>

#include "arrow_zerobus/status.h"
#include "stream/stream_protocol.h"

namespace arrow_zerobus::stream {

/// Which call ended, for the message.
struct EndedCall {
  const StreamProtocol* protocol = nullptr;
  std::string table;
  bool opened = false;    ///< the server's opening reply had arrived
  std::string stream_id;  ///< the server's, when it gave one
};

/// The Status of a call that ended with `status`. Before the opening reply it is a setup failure
/// (AuthenticationError for UNAUTHENTICATED / PERMISSION_DENIED, ConnectionError otherwise),
/// after it a TransmissionError; retryable per retry::IsRetryableStatusCode. A call the server
/// ended without an error status is ABORTED and retryable (nothing says the rows are durable).
/// The protocol's ExplainEnd comes first.
Status TranslateStreamEnd(const grpc::Status& status, const EndedCall& call);

}  // namespace arrow_zerobus::stream
