#include "telemetry/token_refresh_counter.h"

#include <functional>
#include <string>

namespace arrow_zerobus::telemetry {

Result<auth::Headers> TokenRefreshCounter::GetHeaders() {
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(auth::Headers headers, inner_->GetHeaders());
  for (const auto& [key, value] : headers) {
    if (key != "authorization") continue;
    const size_t hash = std::hash<std::string>{}(value);
    std::lock_guard<std::mutex> lock(mu_);
    if (!seen_ || hash != last_token_hash_) instruments_->TokenFetched();
    seen_ = true;
    last_token_hash_ = hash;
  }
  return headers;
}

}  // namespace arrow_zerobus::telemetry
