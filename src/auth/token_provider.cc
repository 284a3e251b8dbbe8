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

}  // namespace arrow_zerobus::auth
