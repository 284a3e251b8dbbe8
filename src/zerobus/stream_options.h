// Settings of one Zerobus ingest stream, with the defaults documented in docs/transport.md.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "retry/backoff_policy.h"
#include "retry/retry_policy.h"

namespace arrow_zerobus::zerobus {

/// The service refuses requests over 10 MiB; we stay 16 KiB under it.
constexpr int64_t kDefaultMaxRequestBytes = 10 * 1024 * 1024 - 16 * 1024;

struct StreamOptions {
  /// Bytes of records (plus framing) in one ingest_record_batch request.
  int64_t max_request_bytes = kDefaultMaxRequestBytes;
  /// Requests queued or sent but not yet acknowledged; Send() blocks beyond either bound.
  int64_t max_inflight_requests = 10000;
  int64_t max_inflight_bytes = 512LL * 1024 * 1024;
  /// Reconnect and replay unacknowledged requests after a retryable failure.
  bool recovery = true;
  /// One create or reconnect attempt: token, RPC open and the create reply.
  std::chrono::milliseconds connect_timeout{15000};
  /// Whether and how often a failed (re)connect is tried again; cloned per operation.
  std::shared_ptr<const retry::RetryPolicy> retry_policy =
      std::make_shared<retry::LimitedAttemptsRetryPolicy>(5);
  std::shared_ptr<const retry::BackoffPolicy> backoff_policy =
      std::make_shared<retry::ExponentialBackoffPolicy>(std::chrono::milliseconds(200),
                                                        std::chrono::milliseconds(8000));
  /// No server message for this long while requests are unacknowledged: the stream is broken.
  std::chrono::milliseconds server_lack_of_ack_timeout{60000};
  /// Bound on Flush() and WaitForOffset().
  std::chrono::milliseconds flush_timeout{300000};
  /// After a CloseStreamSignal: wait for acks at most this long before reconnecting (nullopt:
  /// the duration the server announced; zero: reconnect at once).
  std::optional<std::chrono::milliseconds> stream_paused_max_wait;
  /// Appended to the user agent.
  std::string application_name;
};

}  // namespace arrow_zerobus::zerobus
