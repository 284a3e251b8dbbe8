#include "auth/headers_provider.h"

#include <algorithm>
#include <functional>
#include <map>
#include <mutex>

#include "auth/curl_http_transport.h"

namespace arrow_zerobus::auth {
namespace {

bool ValidMetadataKey(const std::string& key) {
  if (key.empty()) return false;
  return std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
  });
}

bool ValidMetadataValue(const std::string& value) {
  return std::all_of(value.begin(), value.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
}

}  // namespace

Result<Headers> TokenHeadersProvider::GetHeaders() {
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(AccessToken token, tokens_->GetToken());
  return Headers{{"authorization", "Bearer " + token.value}, {kTableHeader, table_}};
}

std::shared_ptr<HeadersProvider> MakeOAuthHeadersProvider(OAuthTokenProvider::Options options,
                                                          std::chrono::milliseconds timeout) {
  // Streams of one principal to one table share a token cache, as long as any of them lives.
  static std::mutex mutex;
  static std::map<std::string, std::weak_ptr<TokenProvider>> caches;
  std::string table = options.table.full();
  const std::string key = options.workspace_url + '\n' + options.workspace_id + '\n' +
                          options.client_id + '\n' +
                          std::to_string(std::hash<std::string>{}(options.client_secret)) + '\n' +
                          table + '\n' + std::to_string(timeout.count());
  std::lock_guard<std::mutex> lock(mutex);
  std::shared_ptr<TokenProvider> tokens = caches[key].lock();
  if (tokens == nullptr) {
    CurlOptions curl;
    curl.timeout = timeout;
    curl.connect_timeout = std::min(curl.connect_timeout, timeout);
    tokens = std::make_shared<CachingTokenProvider>(
        std::make_unique<OAuthTokenProvider>(std::move(options), MakeCurlHttpTransport(curl)));
    caches[key] = tokens;
  }
  for (auto it = caches.begin(); it != caches.end();) {
    it = it->second.expired() ? caches.erase(it) : std::next(it);
  }
  return std::make_shared<TokenHeadersProvider>(std::move(tokens), std::move(table));
}

Result<Headers> FinalizeHeaders(Headers headers, const std::string& table) {
  bool has_authorization = false;
  Headers out;
  out.reserve(headers.size() + 1);
  for (auto& [key, value] : headers) {
    std::string lower = key;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](char c) { return static_cast<char>(std::tolower(c)); });
    if (!ValidMetadataKey(lower)) {
      return Status(StatusCode::kInvalidArgument, ErrorKind::kAuthentication,
                    "Headers provider returned an invalid header name '" + key + "'");
    }
    if (!ValidMetadataValue(value)) {
      return Status(
          StatusCode::kInvalidArgument, ErrorKind::kAuthentication,
          "Headers provider returned a value with non-printable characters for '" + lower + "'");
    }
    if (lower == kTableHeader) continue;
    has_authorization = has_authorization || lower == "authorization";
    out.emplace_back(std::move(lower), std::move(value));
  }
  if (!has_authorization) {
    return Status(StatusCode::kUnauthenticated, ErrorKind::kAuthentication,
                  "Headers provider returned no 'authorization' header");
  }
  out.emplace_back(kTableHeader, table);
  return out;
}

}  // namespace arrow_zerobus::auth
