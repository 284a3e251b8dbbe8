#include "auth/token_provider.h"

namespace arrow_zerobus::auth {

CachingTokenProvider::CachingTokenProvider(std::unique_ptr<TokenProvider> inner,
                                           std::chrono::seconds refresh_ahead, WallClock clock)
    : inner_(std::move(inner)),
      refresh_ahead_(refresh_ahead),
      clock_(clock ? std::move(clock)
                   : WallClock([] { return std::chrono::system_clock::now(); })) {}

Result<AccessToken> CachingTokenProvider::GetToken() {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto now = clock_();
  if (cached_.has_value() && now + refresh_ahead_ < cached_->expires_at) return *cached_;
  auto fresh = inner_->GetToken();
  if (fresh.ok()) {
    cached_ = *fresh;
    return fresh;
  }
  if (cached_.has_value() && now < cached_->expires_at) return *cached_;
  cached_.reset();
  return fresh;
}

void CachingTokenProvider::Invalidate() {
  std::lock_guard<std::mutex> lock(mutex_);
  cached_.reset();
  inner_->Invalidate();
}

OAuthTokenProvider::OAuthTokenProvider(Options options, HttpTransport transport, WallClock clock)
    : options_(std::move(options)),
      transport_(std::move(transport)),
      clock_(clock ? std::move(clock)
                   : WallClock([] { return std::chrono::system_clock::now(); })) {}

Result<AccessToken> OAuthTokenProvider::GetToken() {
  const HttpRequest request =
      BuildTokenRequest(options_.workspace_url, options_.workspace_id, options_.table,
                        options_.client_id, options_.client_secret);
  auto response = transport_(request);
  if (!response.ok()) {
    // The transport classified the failure (timeouts and refused connections are retryable, a
    // malformed URL is not); keep its code and verdict.
    const Status& failure = response.status();
    return Status(failure.code(),
                  failure.kind() == ErrorKind::kConfiguration ? ErrorKind::kConfiguration
                                                              : ErrorKind::kAuthentication,
                  "cannot reach the token endpoint " + request.url + ": " + failure.message(),
                  failure.retryable());
  }
  auto token = ParseTokenResponse(response->status, response->body, clock_());
  if (!token.ok()) {
    return token.status().WithContext("token for table " + options_.table.full() + " from " +
                                      request.url);
  }
  return token;
}

}  // namespace arrow_zerobus::auth
