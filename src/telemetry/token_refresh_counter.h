// A HeadersProvider decorator that counts token refreshes: each time the authorization header
// it passes on differs from the previous one, this wrapper's streams started using a new token.
// (Token caches are shared between wrappers, so counting fetches would count other wrappers'.)
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>

#include "auth/headers_provider.h"
#include "telemetry/instruments.h"

namespace arrow_zerobus::telemetry {

class TokenRefreshCounter final : public auth::HeadersProvider {
 public:
  TokenRefreshCounter(std::shared_ptr<auth::HeadersProvider> inner, Instruments* instruments)
      : inner_(std::move(inner)), instruments_(instruments) {}

  Result<auth::Headers> GetHeaders() override;
  void Invalidate() override { inner_->Invalidate(); }
  bool CanRefresh() const override { return inner_->CanRefresh(); }

 private:
  std::shared_ptr<auth::HeadersProvider> inner_;
  Instruments* instruments_;
  std::mutex mu_;
  size_t last_token_hash_ = 0;  ///< a hash, so the token itself is not kept twice
  bool seen_ = false;
};

}  // namespace arrow_zerobus::telemetry
