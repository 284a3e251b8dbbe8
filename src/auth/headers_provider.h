// Where the call metadata of each (re)connection comes from: our OAuth tokens, or a caller's own
// provider (bring-your-own auth). Called on every connect, so tokens are always current.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "arrow_zerobus/status.h"
#include "auth/token_provider.h"

namespace arrow_zerobus::auth {

using Headers = std::vector<std::pair<std::string, std::string>>;

/// The metadata key that names the target table on every Zerobus call.
inline constexpr char kTableHeader[] = "x-databricks-zerobus-table-name";

class HeadersProvider {
 public:
  virtual ~HeadersProvider() = default;
  /// The headers for a new connection; must include "authorization". Thread-safe.
  virtual Result<Headers> GetHeaders() = 0;
  /// The service refused the credentials (UNAUTHENTICATED / PERMISSION_DENIED): drop any cache.
  virtual void Invalidate() {}
  /// Whether Invalidate() can lead to different credentials (a token provider mints a new
  /// token); a caller's own headers would only be refused again.
  virtual bool CanRefresh() const { return false; }
};

/// "authorization: Bearer <token>" from a TokenProvider, plus the table header.
class TokenHeadersProvider final : public HeadersProvider {
 public:
  TokenHeadersProvider(std::shared_ptr<TokenProvider> tokens, std::string table)
      : tokens_(std::move(tokens)), table_(std::move(table)) {}

  Result<Headers> GetHeaders() override;
  void Invalidate() override { tokens_->Invalidate(); }
  bool CanRefresh() const override { return true; }

 private:
  std::shared_ptr<TokenProvider> tokens_;
  std::string table_;
};

/// The usual provider: OAuth M2M tokens for `options.table` fetched over HTTPS with libcurl
/// (each exchange bounded by `timeout`), cached and refreshed five minutes before they expire.
/// Providers made for the same workspace, client, table and timeout share one cache while any
/// of them is alive.
std::shared_ptr<HeadersProvider> MakeOAuthHeadersProvider(
    OAuthTokenProvider::Options options,
    std::chrono::milliseconds timeout = std::chrono::milliseconds(30000));

/// Checks a provider's headers: "authorization" must be present and every key a valid lowercase
/// gRPC metadata key; the table header is set to `table` whatever the provider said. Errors name
/// the header (never its value).
Result<Headers> FinalizeHeaders(Headers headers, const std::string& table);

}  // namespace arrow_zerobus::auth
