// Settings of one stream (one lane), with the defaults documented in docs/transport.md. Both wire
// formats take the same options.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "common/service_limits.h"
#include "retry/backoff_policy.h"
#include "retry/retry_policy.h"

namespace arrow_zerobus::stream {

/// We stay 16 KiB under the service's request limit.
constexpr int64_t kDefaultMaxRequestBytes = kServiceMaxRequestBytes - 16 * 1024;

/// How long a stream in trouble may keep reconnecting before it gives up, by default.
constexpr std::chrono::milliseconds kDefaultRecoveryTimeout{60000};

struct StreamOptions {
  /// Bytes of records (plus framing) in one request (Protobuf format; the Arrow format splits
  /// batches into IPC messages of its own size).
  int64_t max_request_bytes = kDefaultMaxRequestBytes;
  /// Requests queued or sent but not yet acknowledged; Send() blocks beyond either bound.
  int64_t max_inflight_requests = 10000;
  int64_t max_inflight_bytes = 512LL * 1024 * 1024;
  /// Reconnect and replay unacknowledged requests after a retryable failure.
  bool recovery = true;
  /// One connect attempt, all of it: headers (the OAuth token), RPC open and the server's
  /// opening reply.
  std::chrono::milliseconds connect_timeout{15000};
  /// Whether a stream in trouble may try again. One clone serves a whole episode of trouble:
  /// from the first failure until an acknowledgement makes progress again, so failed connects
  /// and connections that fail before any ack count together.
  std::shared_ptr<const retry::RetryPolicy> retry_policy =
      std::make_shared<retry::LimitedTimeRetryPolicy>(kDefaultRecoveryTimeout);
  std::shared_ptr<const retry::BackoffPolicy> backoff_policy =
      std::make_shared<retry::ExponentialBackoffPolicy>(std::chrono::milliseconds(200),
                                                        std::chrono::milliseconds(8000));
  /// Requests are unacknowledged and no ack has made progress for this long (counted from the
  /// later of the last progress and the oldest unacknowledged request's write): the connection
  /// is broken.
  std::chrono::milliseconds server_lack_of_ack_timeout{60000};
  /// A request not acknowledged this long after it was queued fails the stream (every request
  /// still unacknowledged fails with it); also the bound of Flush() and WaitForOffset().
  std::chrono::milliseconds flush_timeout{300000};
  /// After a close signal: wait for acks at most this long before rotating (nullopt: the
  /// duration the server announced, less the drain; zero: rotate at once).
  std::optional<std::chrono::milliseconds> stream_paused_max_wait;
  /// Appended to the user agent.
  std::string application_name;
};

}  // namespace arrow_zerobus::stream
