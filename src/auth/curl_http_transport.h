// The libcurl HttpTransport: how OAuthTokenProvider reaches a workspace's token endpoint and how
// a table's schema is read from Unity Catalog. It POSTs or GETs (nothing else), verifies TLS
// peers, and turns transport failures into retryable AuthenticationErrors that name the URL
// (without any user:password@).
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>

#include "auth/token_provider.h"

namespace arrow_zerobus::auth {

struct CurlOptions {
  /// The whole exchange: connect, send, wait, receive.
  std::chrono::milliseconds timeout{30000};
  std::chrono::milliseconds connect_timeout{10000};
  /// PEM bundle of trusted CAs; empty: the system trust store (SystemCaBundlePath, so also on
  /// distributions other than the one libcurl was built for), else libcurl's built-in default.
  std::string ca_file;
  /// No value: libcurl's own handling of http_proxy / https_proxy / no_proxy. A value is passed
  /// to libcurl as the proxy; an empty string means no proxy at all, whatever the environment.
  std::optional<std::string> proxy;
  /// Larger response bodies are an error (a token response is a few hundred bytes).
  size_t max_response_bytes = size_t{1} << 20;
};

/// A transport that POSTs `request.body` (or GETs, by `request.method`) with `request.headers`
/// to `request.url` and returns the HTTP status and body; any status, 4xx and 5xx included, is a
/// response. Errors: connect refused, DNS, TLS and the like are UNAVAILABLE, timeouts
/// DEADLINE_EXCEEDED, both retryable AuthenticationErrors; a body over max_response_bytes is
/// RESOURCE_EXHAUSTED, not retryable; a malformed or non-http(s) URL, an unreadable ca_file or a
/// header with a line break is a ConfigurationError. Redirects are not followed. Thread-safe: each
/// call has its own connection.
HttpTransport MakeCurlHttpTransport(CurlOptions options = {});

/// `url` without the userinfo ("https://user:pw@host/x" -> "https://host/x"), for messages.
std::string RedactUrl(const std::string& url);

}  // namespace arrow_zerobus::auth
