// Token providers: where the bearer token of each (re)connection comes from.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>

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

}  // namespace arrow_zerobus::auth
