// Token providers: where the bearer token of each (re)connection comes from.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "arrow_zerobus/status.h"
#include "auth/oauth_request.h"

namespace arrow_zerobus::auth {

using WallClock = std::function<std::chrono::system_clock::time_point()>;

class TokenProvider {
 public:
  virtual ~TokenProvider() = default;
  /// A token valid now. Thread-safe.
  virtual Result<AccessToken> GetToken() = 0;
  /// Forgets any cached token: the service refused it (UNAUTHENTICATED / PERMISSION_DENIED).
  virtual void Invalidate() {}
};

/// Caches the tokens of `inner` and fetches a new one `refresh_ahead` before expiry. If that
/// refresh fails while the cached token is still valid, the cached token is served.
class CachingTokenProvider final : public TokenProvider {
 public:
  CachingTokenProvider(std::unique_ptr<TokenProvider> inner,
                       std::chrono::seconds refresh_ahead = std::chrono::minutes(5),
                       WallClock clock = nullptr);

  Result<AccessToken> GetToken() override;
  void Invalidate() override;

 private:
  std::unique_ptr<TokenProvider> inner_;
  std::chrono::seconds refresh_ahead_;
  WallClock clock_;
  std::mutex mutex_;
  std::optional<AccessToken> cached_;
};

/// What an HTTP exchange returned: the status and body, or a transport error (connect, timeout).
struct HttpResponse {
  int status = 0;
  std::string body;
};
/// Sends one request; transport failures are errors, HTTP error statuses are responses.
using HttpTransport = std::function<Result<HttpResponse>(const HttpRequest&)>;

/// OAuth machine-to-machine tokens for one table, fetched from the workspace's token endpoint.
class OAuthTokenProvider final : public TokenProvider {
 public:
  struct Options {
    std::string workspace_url;  ///< e.g. https://dbc-a1b2.cloud.databricks.com
    std::string workspace_id;   ///< from the Zerobus endpoint's host
    TableName table;
    std::string client_id;
    std::string client_secret;
  };
  OAuthTokenProvider(Options options, HttpTransport transport, WallClock clock = nullptr);

  /// Transport failures are retryable AuthenticationErrors naming the token URL.
  Result<AccessToken> GetToken() override;

 private:
  Options options_;
  HttpTransport transport_;
  WallClock clock_;
};

}  // namespace arrow_zerobus::auth
