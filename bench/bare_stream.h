// A bare gRPC stream for the benchmarks: one BidiConnection of any wire format, every message
// built before timing and handed to gRPC as fast as it takes them, with no window, offsets or
// per-request bookkeeping: only a wait for the last acknowledgement. What the stream engine can
// at best approach on the same server.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <grpcpp/support/byte_buffer.h>

#include "arrow_zerobus/status.h"
#include "auth/headers_provider.h"
#include "stream/stream_protocol.h"

namespace arrow_zerobus::bench {

/// OAuth headers for `table` from the emulator at `endpoint` / `workspace_url`, with the
/// emulator's default client credentials.
std::shared_ptr<auth::HeadersProvider> EmulatorOAuthHeaders(const std::string& endpoint,
                                                            const std::string& workspace_url,
                                                            const std::string& table);

struct BareRun {
  double seconds = 0;      ///< from the first message handed to gRPC to the last acknowledgement
  double cpu_seconds = 0;  ///< this process's user + system CPU over the same span
};

/// Opens one connection of `protocol` for `table` (not timed), sends `messages` (the wire
/// messages after the opening one, numbered as the protocol needs) and waits until the server
/// acknowledges position `units`; then ends the call. Any wait longer than `timeout_seconds` is
/// an error, as is a call the server ends early.
Result<BareRun> RunBareStream(const std::string& endpoint, const std::string& workspace_url,
                              const std::string& table, const stream::StreamProtocol& protocol,
                              const std::vector<grpc::ByteBuffer>& messages, int64_t units,
                              double timeout_seconds = 300);

}  // namespace arrow_zerobus::bench
